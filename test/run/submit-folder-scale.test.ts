/**
 * Issue 14: `cacheplan submit` of a plan folder larger than the process's heap. The CLI runs in a
 * child process with a small V8 heap (`--max-old-space-size`) and submits, through the emulator,
 * a plan whose batch files total several times that heap: it must read one batch at a time (never
 * the whole plan), and still end with every result and no batch created twice.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plan, readPlanFile, toPlanFile } from "../../src/index.js";
import { writePlanFolder } from "../../src/io/plan-dir.js";
import { tempDir } from "../helpers/cli.js";
import { emulator } from "../helpers/emulator.js";
import { buildCli, spawnCli } from "../helpers/run-child.js";
import { cleanupAfterEach, plannedIds, QUICK_SIM, resultsOnDisk } from "../helpers/run-job.js";
import { createWordCounter } from "../helpers/word-counter.js";

/** The child's V8 heap, in MB. */
const HEAP_MB = 64;
/** Requests of the plan (~16.4 KB each: 3.2 times the heap). */
const REQUESTS = 13_000;
/** Batches of ~4 MB: two in flight (each read, then serialised by the SDK) leave the heap room. */
const PER_BATCH = 250;
/** The bulk of every request's text (each request's own: its custom_id is put before it). */
const PAD = `Context. ${"lorem ipsum dolor sit amet ".repeat(600)}`; // ~16 KB

/**
 * A plan folder of `n` requests of ~16 KB each, every one with text of its own (so that no reader
 * can share one copy between requests: holding the plan would hold all of it), put in
 * `metadata.user_id`, which the child reads, holds and sends as any other text but the emulator
 * neither tokenizes nor simulates (200 MB of prompts would take it a minute); one wave in
 * batches of `perBatch`. Written without the planner running over 16 KB × `n` (a minute on a busy
 * machine) and without holding the text here: the planner plans the same requests without their
 * text (strategy `none` leaves a request as it is), then each batch file is written line by line
 * with the text put back, and `plan.json` records each file's hash and bytes as `writePlan()`
 * would (`contentHash`: the SHA-256 of the file's bytes; `bytes`: the `{"requests":[…]}` body).
 */
async function heavyFolder(n: number, perBatch: number) {
  const light = Array.from({ length: n }, (_, i) => ({
    custom_id: `big-${i}`,
    params: {
      model: "claude-sonnet-4-6",
      max_tokens: 8,
      messages: [{ role: "user" as const, content: `Item ${i}: yes or no?` }],
    },
  }));
  const planned = await plan(light, { strategy: "none", maxRequests: perBatch });
  const { dir: root, cleanup } = await tempDir();
  const dir = path.join(root, "plan");
  const file = toPlanFile(planned);
  await writePlanFolder(dir, {}, async (staging) => {
    await mkdir(path.join(staging, "batches"), { recursive: true });
    for (const [i, batch] of planned.batches.entries()) {
      const hash = createHash("sha256");
      const out = createWriteStream(path.join(staging, file.batches[i]!.file));
      let bytes = 13; // `{"requests":[` and `]}`, less the last line's comma
      for (const r of batch.requests) {
        const line = `${JSON.stringify({ custom_id: r.custom_id, params: { ...r.params, metadata: { user_id: `${r.custom_id}: ${PAD}` } } })}\n`;
        hash.update(line);
        bytes += Buffer.byteLength(line);
        if (!out.write(line)) await once(out, "drain");
      }
      out.end();
      await finished(out);
      Object.assign(file.batches[i]!, { contentHash: `sha256:${hash.digest("hex")}`, bytes });
    }
    await writeFile(path.join(staging, "plan.json"), `${JSON.stringify(file, null, 2)}\n`);
  });
  return { plan: planned, dir, cleanup };
}

let cli: Awaited<ReturnType<typeof buildCli>>;
beforeAll(async () => {
  cli = await buildCli("submit-folder-scale");
}, 120_000);
afterAll(() => cli?.remove());

const cleanups = cleanupAfterEach();

/** Bytes of a plan folder's batch files. */
async function batchBytes(dir: string): Promise<number> {
  const file = await readPlanFile(dir);
  let total = 0;
  for (const b of file.batches) total += (await stat(path.join(dir, b.file))).size;
  return total;
}

describe("cacheplan submit of a plan folder larger than its heap", () => {
  it(`submits ${HEAP_MB * 3} MB+ of batch files with an ${HEAP_MB} MB heap: every result, no duplicate batch`, async () => {
    const folder = await heavyFolder(REQUESTS, PER_BATCH);
    cleanups.push(folder.cleanup);
    const bytes = await batchBytes(folder.dir);
    expect(bytes).toBeGreaterThan(3 * HEAP_MB * 1024 * 1024); // the whole plan cannot be held
    // Usage counted in words (no tiktoken encoder to build).
    const target = await emulator({
      timeScale: 1000,
      sim: QUICK_SIM,
      counter: createWordCounter(),
    });
    const run = await spawnCli(
      cli.main,
      ["submit", folder.dir, "--poll-interval", "5", "--no-report", "--quiet"],
      {
        ANTHROPIC_API_KEY: "test-key",
        ANTHROPIC_BASE_URL: target.url,
        NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`,
      },
    ).done;
    expect(run.code, run.stderr).toBe(0);
    expect(target.stats().batchesCreated).toBe(folder.plan.batches.length); // no duplicate
    const { state, lines } = await resultsOnDisk(folder.dir);
    expect(state.batches.every((b) => b.state === "downloaded")).toBe(true);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
  }, 120_000);
});
