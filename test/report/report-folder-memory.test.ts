/**
 * The memory of `reportFolder()` (issue 14 item 3): the plan's index keeps a `custom_id` and a few
 * numbers per planned request, never the requests' text, and the results keep nothing per line.
 * Heap figures are taken after a full collection (`gc`, exposed for this file), so they are what
 * is held, not garbage not yet collected.
 */
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BatchRequest,
  type Plan,
  plan,
  readPlan,
  readPlanFile,
  reportFolder,
  writePlan,
} from "../../src/index.js";
import { indexPlanFolder } from "../../src/report/folder.js";
import { tempDir } from "../helpers/cli.js";
import { request } from "../helpers/requests.js";
import { createWordCounter, words } from "../helpers/word-counter.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
/** What is held: the heap after a full collection, and the array buffers outside it. */
const held = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Requests in the plan below; each has ~2 KB of text of its own. */
const N = 10_000;
const OWN_TEXT = 2_000;

let dir: string;
let cleanup: () => Promise<void>;

/**
 * A plan of N requests: two groups sharing a system prompt each, and a tenth in no group; its
 * batches are the requests of a small planned job, repeated with new ids and their own text
 * (planning 10,000 requests would take longer than this test should).
 */
beforeAll(async () => {
  ({ dir: dir, cleanup } = await tempDir());
  const counter = createWordCounter();
  const seed: BatchRequest[] = [];
  for (const tag of ["alpha", "beta"])
    for (let i = 0; i < 4; i++)
      seed.push(
        request(`${tag}-${i}`, { system: words(tag, 1200), user: words(`${tag}${i}`, 10) }),
      );
  const small: Plan = await plan(seed, { counter, strategy: "primed" });
  const groups = small.groups.map((g) => ({ ...g, customIds: [] as string[], primers: [] }));
  const groupOf = new Map(small.groups.flatMap((g, k) => g.customIds.map((id) => [id, k])));
  const template = small.batches.flatMap((b) => b.requests);
  const requests: BatchRequest[] = [];
  for (let i = 0; i < N; i++) {
    const t = template[i % template.length]!;
    const id = `req-${String(i).padStart(7, "0")}`;
    const params = structuredClone(t.params) as unknown as { messages: { content: string }[] };
    params.messages[0]!.content = `${i} ${"x".repeat(OWN_TEXT)}`;
    requests.push({ custom_id: id, params } as unknown as BatchRequest);
    const k = groupOf.get(t.custom_id);
    if (k !== undefined && i % 10 !== 9) groups[k]!.customIds.push(id);
  }
  for (const g of groups) g.requests = g.customIds.length;
  const batches = [0, 1].map((b) => {
    const part = requests.slice((b * N) / 2, ((b + 1) * N) / 2);
    return { index: b, wave: b, requests: part, requestCount: part.length, bytes: 0 };
  });
  await writePlan({ ...small, groups, batches }, path.join(dir, "plan"));
}, 60_000);
afterAll(() => cleanup());

describe("reportFolder()'s memory", () => {
  it("plan.json and the index hold ~100 bytes per request, not its text; the plan read whole holds the text", async () => {
    const folder = path.join(dir, "plan");
    const before = held();
    // plan.json (its groups list their custom_ids) and the index: what reportFolder() holds.
    const file = await readPlanFile(folder);
    const index = await indexPlanFolder(folder, file, undefined);
    const perRequest = (held() - before) / N;
    expect(file.groups.length).toBe(2);
    expect(index.size).toBe(N);
    expect(index.groups.map((g) => g.variants)).toEqual([1, 1]);
    // A custom_id of 11 characters (in plan.json and the map), four 32-bit numbers, two for the
    // first result line.
    expect(perRequest).toBeLessThan(200);
    console.log(`plan.json and index: ${perRequest.toFixed(0)} bytes per planned request`);

    const start = held();
    const whole = await readPlan(folder);
    const wholePerRequest = (held() - start) / N;
    expect(whole.batches.length).toBe(2);
    expect(wholePerRequest).toBeGreaterThan(OWN_TEXT);
  });

  it("a result line adds nothing held to the report's running sums", async () => {
    const folder = path.join(dir, "plan");
    const samples: number[] = [];
    async function* results() {
      for (let i = 0; i < N; i++) {
        if (i === 1000 || i === N - 1) samples.push(held());
        yield {
          custom_id: `req-${String(i).padStart(7, "0")}`,
          result: {
            type: "succeeded",
            message: {
              model: "claude-sonnet-4-5",
              usage: {
                input_tokens: 20,
                cache_read_input_tokens: i % 10 === 9 ? 0 : 1200,
                output_tokens: 3,
                service_tier: "batch",
              },
            },
          },
        };
      }
    }
    const r = await reportFolder(results(), folder);
    expect(r.overall.requests.succeeded).toBe(N);
    expect(r.complete).toBe(true);
    const perLine = (samples[1]! - samples[0]!) / (N - 1001);
    console.log(`results: ${perLine.toFixed(1)} bytes held per result line`);
    // Each custom_id seen with a string for where (the report before) was ~100 bytes a line.
    expect(perLine).toBeLessThan(16);
  });
});
