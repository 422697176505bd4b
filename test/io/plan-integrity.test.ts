/**
 * plan.json records what it wrote (per batch file: content hash, request count, custom_ids
 * digest), and every batch file is verified before anything is sent (issue 9, item 5).
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { plan, submit, toPlanFile } from "../../src/index.js";
import { planRequests, readPlan, verifyPlan, writePlan } from "../../src/io/plan-dir.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { sharedCounter } from "../helpers/emulator.js";
import { cleanupAfterEach, planFolder, primedJob } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

async function folder() {
  const f = await planFolder(primedJob(2, 4)); // wave 0: 2 primers; wave 1: 6 requests
  cleanups.push(f.cleanup);
  return f;
}

const lines = (text: string) => text.trimEnd().split("\n");

/** Rewrites batch `index`'s file (and, with `count`, its requestCount in plan.json). */
async function edit(
  dir: string,
  index: number,
  change: (lines: string[]) => string[],
  fixCount = false,
): Promise<string> {
  const planJson = JSON.parse(await readFile(path.join(dir, "plan.json"), "utf8"));
  const file = path.join(dir, planJson.batches[index].file);
  const changed = change(lines(await readFile(file, "utf8")));
  await writeFile(file, `${changed.join("\n")}\n`);
  if (fixCount) {
    planJson.batches[index].requestCount = changed.length;
    await writeFile(path.join(dir, "plan.json"), JSON.stringify(planJson, null, 2));
  }
  return planJson.batches[index].file;
}

const setId = (line: string, id: string) => JSON.stringify({ ...JSON.parse(line), custom_id: id });

describe("plan.json records each batch file", () => {
  it("a content hash, the count and a custom_ids digest, the same for the same input", async () => {
    const a = await folder();
    const b = await folder();
    const recorded = JSON.parse(await readFile(path.join(a.dir, "plan.json"), "utf8"));
    for (const batch of recorded.batches) {
      expect(batch.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(batch.customIdsHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    expect(await readFile(path.join(a.dir, "plan.json"))).toEqual(
      await readFile(path.join(b.dir, "plan.json")),
    );
  });
});

describe("readPlan verifies every batch file against plan.json", () => {
  it("a dropped line, with requestCount fixed too, is found", async () => {
    const f = await folder();
    const file = await edit(f.dir, 1, (l) => l.slice(1), true);
    await expect(readPlan(f.dir)).rejects.toThrow(
      new RegExp(`${file}\` \\(batch 1 of \`plan.json\`\\) holds other custom_ids than planned`),
    );
  });

  it("a dropped line is named by the counts", async () => {
    const f = await folder();
    await edit(f.dir, 1, (l) => l.slice(1));
    await expect(readPlan(f.dir)).rejects.toThrow(/holds 5 requests but `plan.json` says 6/);
  });

  it("an edited request (same custom_ids and count) is found by its hash", async () => {
    const f = await folder();
    await edit(f.dir, 1, (l) => [
      l[0]!.replace('"max_tokens":32', '"max_tokens":64'),
      ...l.slice(1),
    ]);
    await expect(readPlan(f.dir)).rejects.toThrow(
      /was edited: its custom_ids and count are as planned/,
    );
  });

  it("a renamed custom_id is found", async () => {
    const f = await folder();
    await edit(f.dir, 1, (l) => [setId(l[0]!, "renamed"), ...l.slice(1)]);
    await expect(readPlan(f.dir)).rejects.toThrow(/holds other custom_ids than planned/);
  });

  it("a custom_id twice in one file, or in two files, is named with both places", async () => {
    const f = await folder();
    const file = await edit(f.dir, 1, (l) => [
      l[0]!,
      setId(l[1]!, JSON.parse(l[0]!).custom_id),
      ...l.slice(2),
    ]);
    await expect(readPlan(f.dir)).rejects.toThrow(
      new RegExp(`repeats custom_id \`g\\d-r\\d\` \\(.*${file}\` line 1 and .*${file}\` line 2\\)`),
    );
    const g = await folder();
    const wave0 = await readFile(path.join(g.dir, "batches/wave-0-batch-0000.jsonl"), "utf8");
    const primer = JSON.parse(lines(wave0)[0]!).custom_id as string;
    await edit(g.dir, 1, (l) => [setId(l[0]!, primer), ...l.slice(1)]);
    await expect(readPlan(g.dir)).rejects.toThrow(
      new RegExp(
        `repeats custom_id \`${primer}\` \\(.*wave-0-batch-0000.jsonl\` line 1 and .*wave-1-batch-0001.jsonl\` line 1\\)`,
      ),
    );
  });

  it("property: any change of one byte of a batch file is refused", async () => {
    const f = await folder();
    const file = path.join(f.dir, "batches/wave-1-batch-0001.jsonl");
    const original = await readFile(file);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: original.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, delta) => {
          const changed = Buffer.from(original);
          changed[at] = (changed[at]! + delta) % 256;
          await writeFile(file, changed);
          await expect(readPlan(f.dir)).rejects.toMatchObject({ name: "InputError" });
        },
      ),
      { numRuns: 30 },
    );
    await writeFile(file, original);
    await expect(readPlan(f.dir)).resolves.toMatchObject({ version: 1 });
  });

  it("a plan written before the hashes (no contentHash) is checked for counts and duplicates only", async () => {
    const f = await folder();
    const planJson = JSON.parse(await readFile(path.join(f.dir, "plan.json"), "utf8"));
    for (const b of planJson.batches) {
      delete b.contentHash;
      delete b.customIdsHash;
    }
    await writeFile(path.join(f.dir, "plan.json"), JSON.stringify(planJson));
    await edit(f.dir, 1, (l) => [
      l[0]!.replace('"max_tokens":32', '"max_tokens":64'),
      ...l.slice(1),
    ]);
    await expect(readPlan(f.dir)).resolves.toMatchObject({ version: 1 });
    await edit(f.dir, 1, (l) => [l[0]!, setId(l[1]!, JSON.parse(l[0]!).custom_id), ...l.slice(2)]);
    await expect(readPlan(f.dir)).rejects.toThrow(/repeats custom_id/);
  });
});

/** A client that fails the test if submit() touches it at all. */
function untouchable(): { client: Anthropic; touched: () => boolean } {
  let touched = false;
  const messages = new Proxy(
    {},
    {
      get() {
        touched = true;
        throw new Error("the API was used");
      },
    },
  );
  return { client: { messages } as unknown as Anthropic, touched: () => touched };
}

describe("submit verifies before anything is created", () => {
  it("submit() refuses a plan that differs from plan.json, without calling the API", async () => {
    const f = await folder();
    const changed = structuredClone(f.plan);
    (changed.batches[1]!.requests[0]!.params as { max_tokens: number }).max_tokens = 64;
    const api = untouchable();
    await expect(submit(changed, { client: api.client, planDir: f.dir })).rejects.toThrow(
      /Batch 1 of the plan differs from .*plan.json`: it was edited/,
    );
    expect(api.touched()).toBe(false);
  });

  it("submit() refuses duplicated custom_ids across batches, without calling the API", async () => {
    const planned = await plan(primedJob(2, 4), { counter: sharedCounter });
    planned.batches[1]!.requests[0]!.custom_id = planned.batches[0]!.requests[0]!.custom_id;
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const api = untouchable();
    await expect(submit(planned, { client: api.client, planDir: dir })).rejects.toThrow(
      /custom_id `g\d-r\d` is in batch 0 and batch 1/,
    );
    expect(api.touched()).toBe(false);
    await expect(
      verifyPlan(await plan(primedJob(2, 4), { counter: sharedCounter }), dir),
    ).resolves.toBeUndefined();
  });

  it("cacheplan submit and estimate refuse an edited batch file, naming it and what differs", async () => {
    const f = await folder();
    await edit(f.dir, 1, (l) => l.slice(1), true);
    // A key (never sent: nothing is created from an edited plan; the port is closed).
    const env = {
      ANTHROPIC_API_KEY: "sk-ant-test-never-sent",
      ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
    };
    for (const argv of [
      ["submit", "plan"],
      ["estimate", "plan"],
    ]) {
      const run = await runCli(argv, { cwd: f.root, env });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        /wave-1-batch-0001\.jsonl` \(batch 1 of `plan.json`\) holds other custom_ids than planned/,
      );
      expect(run.stderr).not.toMatch(/unexpected failure/);
    }
  });

  it("toPlanFile and writePlan agree: the recorded hash is the hash of the written bytes", async () => {
    const planned = await plan(primedJob(1, 3), { counter: sharedCounter });
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await writePlan(planned, path.join(dir, "p"));
    const { createHash } = await import("node:crypto");
    for (const b of toPlanFile(planned).batches) {
      const bytes = await readFile(path.join(dir, "p", b.file));
      expect(b.contentHash).toBe(`sha256:${createHash("sha256").update(bytes).digest("hex")}`);
    }
  });
});

describe("planRequests() with hashWhileReading: one read, the same checks at each file's end", () => {
  const all = async (dir: string) => {
    const file = JSON.parse(await readFile(path.join(dir, "plan.json"), "utf8"));
    const ids: string[] = [];
    for await (const l of planRequests(dir, file, { hashWhileReading: true }))
      ids.push(l.request.custom_id);
    return ids;
  };

  it("yields every request of an intact plan, in plan order", async () => {
    const f = await folder();
    const whole = await readPlan(f.dir);
    expect(await all(f.dir)).toEqual(
      whole.batches.flatMap((b) => b.requests.map((r) => r.custom_id)),
    );
  });

  it("throws for a file edited in content only (same ids and count), and for a line removed", async () => {
    const f = await folder();
    const file = await edit(f.dir, 1, (ls) =>
      ls.map((l, i) => (i === 0 ? JSON.stringify({ ...JSON.parse(l), extra: 1 }) : l)),
    );
    await expect(all(f.dir)).rejects.toThrow(
      new RegExp(
        `${file.replace(/[.]/g, "\\.")}.*was edited: its custom_ids and count are as planned`,
      ),
    );
    const g = await folder();
    await edit(g.dir, 1, (ls) => ls.slice(1));
    await expect(all(g.dir)).rejects.toThrow(
      /but `plan.json` says \d+ \(a line was added or removed\)/,
    );
  });
});
