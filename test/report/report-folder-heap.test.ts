/**
 * A plan folder larger than the heap is still reported (issue 14 item 3): in a child process whose
 * heap is capped below the plan's text, `reportFolder()` reports every result while `readPlan()`
 * (what `report` read before) runs out of memory. The sources are compiled once for this file.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BatchRequest, type Plan, plan, writePlan } from "../../src/index.js";
import { tempDir } from "../helpers/cli.js";
import { request } from "../helpers/requests.js";
import { buildCli } from "../helpers/run-child.js";
import { createWordCounter, words } from "../helpers/word-counter.js";

const REQUESTS = 3_000;
/** Each request's own text: 3,000 × 24 KB = 72 MB of plan, against a 32 MB heap. */
const OWN_TEXT = 24_000;
const HEAP_MB = 32;

let dir: string;
let library: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const build = await buildCli("report-heap");
  cleanups.push(build.remove);
  library = pathToFileURL(path.join(path.dirname(build.main), "..", "index.js")).href;
  const t = await tempDir();
  cleanups.push(t.cleanup);
  dir = t.dir;
  // A small planned job (a group sharing a system prompt), its requests repeated with their own
  // text: planning 3,000 requests would take longer than this test should.
  const seed = ["a", "b", "c", "d"].map((x) =>
    request(x, { system: words("rules", 1500), user: x }),
  );
  const small = await plan(seed, { counter: createWordCounter(), strategy: "primed" });
  if (small.groups.length !== 1) throw new Error("the seed job should make one group");
  const template = small.batches.flatMap((b) => b.requests).at(-1)!;
  const requests: BatchRequest[] = Array.from({ length: REQUESTS }, (_, i) => {
    const params = structuredClone(template.params) as unknown as {
      messages: { content: string }[];
    };
    params.messages[0]!.content = `${i} ${String(i % 10).repeat(OWN_TEXT)}`;
    return { custom_id: `r-${i}`, params } as unknown as BatchRequest;
  });
  const group = {
    ...small.groups[0]!,
    requests: REQUESTS,
    primers: [],
    customIds: requests.map((r) => r.custom_id),
  };
  const batches = [0, 1].map((b) => {
    const part = requests.slice((b * REQUESTS) / 2, ((b + 1) * REQUESTS) / 2);
    return { index: b, wave: 0, requests: part, requestCount: part.length, bytes: 0 };
  });
  const planned: Plan = { ...small, groups: [group], batches };
  await writePlan(planned, path.join(dir, "plan"));
  const results = requests.map((r, i) =>
    JSON.stringify({
      custom_id: r.custom_id,
      result: {
        type: "succeeded",
        message: {
          model: "claude-sonnet-4-5",
          usage: {
            input_tokens: 10,
            cache_creation_input_tokens: i === 0 ? 1200 : 0,
            cache_read_input_tokens: i === 0 ? 0 : 1200,
            output_tokens: 2,
            service_tier: "batch",
          },
        },
      },
    }),
  );
  await writeFile(path.join(dir, "results.jsonl"), `${results.join("\n")}\n`);
}, 60_000);
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** Runs `code` (an ES module importing the compiled library as `lib`) with the heap capped. */
async function capped(code: string): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const script = path.join(dir, `run-${Math.random().toString(36).slice(2)}.mjs`);
  await writeFile(script, `const lib = await import(${JSON.stringify(library)});\n${code}\n`);
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, script],
      { cwd: dir, maxBuffer: 16 * 2 ** 20 },
    );
    return { ok: true, stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe(`a ${(REQUESTS * OWN_TEXT) / 1e6} MB plan in a ${HEAP_MB} MB heap`, () => {
  it("reportFolder() reports every result; readPlan() runs out of memory", {
    timeout: 60_000,
  }, async () => {
    const folder = await capped(`
      const r = await lib.reportFolder(lib.readJsonl("results.jsonl"), "plan");
      console.log(JSON.stringify({ requests: r.overall.requests, hitRate: r.overall.hitRate, problems: r.problems.length }));
    `);
    expect(folder.stderr).toBe("");
    expect(folder.ok).toBe(true);
    const out = JSON.parse(folder.stdout) as {
      requests: { succeeded: number; missing: number };
      problems: number;
    };
    expect(out.requests).toMatchObject({ succeeded: REQUESTS, missing: 0 });
    expect(out.problems).toBe(0);

    const whole = await capped(`
      const plan = await lib.readPlan("plan");
      console.log(plan.batches.length);
    `);
    expect(whole.ok).toBe(false);
    expect(whole.stderr).toMatch(/heap out of memory|Allocation failed/i);
  });
});
