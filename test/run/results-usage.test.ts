/**
 * The token totals `run.json` keeps per batch come from the one usage reader (src/usage.ts), so
 * the runner counts what the report counts: a write reported only as its 5m/1h split
 * (`cache_creation_input_tokens` null; reference §8: the split sums to the total) is counted, and
 * a usage the reader refuses adds nothing (the report names it; the line is still kept). They keep
 * the reader's 5m/1h split of the write; a `run.json` written before the split (only `cacheWrite`)
 * is read as 5m writes.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  plan as planRequests,
  type RunState,
  readRunState,
  submit,
  writePlan,
} from "../../src/index.js";
import { tempDir } from "../helpers/cli.js";
import { sharedCounter } from "../helpers/emulator.js";
import { startFakeBatches } from "../helpers/fake-batches.js";
import { cleanupAfterEach, FAST_POLL, primedJob, resultsOnDisk } from "../helpers/run-job.js";
import { expectValidRunJson } from "./_schema.js";

const cleanups = cleanupAfterEach();

async function rawRunJson(dir: string): Promise<RunState> {
  return JSON.parse(await readFile(path.join(dir, "run.json"), "utf8")) as RunState;
}

/** The token sums of every downloaded batch of a run state, added up. */
function sumTokens(state: RunState | null): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const b of state!.batches) {
    if (b.state !== "downloaded") continue;
    for (const [key, n] of Object.entries(b.results.tokens)) sum[key] = (sum[key] ?? 0) + n;
  }
  return sum;
}

/** A finished one-batch run of `requests` against the fake API, answering with `usage`. */
async function finishedRun(usage: (customId: string) => unknown) {
  const requests = primedJob(1, 3);
  const planned = await planRequests(requests, { counter: sharedCounter, maxRequests: 10 });
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  await writePlan(planned, dir);
  const server = await startFakeBatches({ usage });
  cleanups.push(server.close);
  const client = new Anthropic({ baseURL: server.url, apiKey: "test-key", maxRetries: 0 });
  const result = await submit(planned, { client, planDir: dir, poll: FAST_POLL, maxRetries: 0 });
  expect(result.status).toBe("ended");
  return { dir, requests };
}

describe("run.json token totals", () => {
  it("are read by the one usage reader: the 5m/1h split is recorded, a split-only write counts, a malformed usage does not", async () => {
    const [splitOnly, malformed] = primedJob(1, 3).map((r) => r.custom_id);
    const { dir, requests } = await finishedRun((id) =>
      id === splitOnly
        ? {
            input_tokens: 5,
            output_tokens: 2,
            cache_creation_input_tokens: null,
            cache_read_input_tokens: null,
            cache_creation: { ephemeral_5m_input_tokens: 30, ephemeral_1h_input_tokens: 70 },
          }
        : id === malformed
          ? { input_tokens: "many", output_tokens: 2 }
          : { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 40 },
    );
    // splitOnly: 5 in, 30 (5m) + 70 (1h) written, 2 out; the third: 1 in, 40 read, 1 out;
    // malformed: nothing. The split is in the file itself, not only as readRunState gives it.
    expect(sumTokens(await rawRunJson(dir))).toEqual({
      input: 6,
      cacheWrite5m: 30,
      cacheWrite1h: 70,
      cacheRead: 40,
      output: 3,
    });
    expect(sumTokens(await readRunState(dir))).toEqual(sumTokens(await rawRunJson(dir)));
    await expectValidRunJson(dir);
    // Every line is kept, the malformed one included.
    expect((await resultsOnDisk(dir)).lines.map((l) => l.custom_id).sort()).toEqual(
      requests.map((r) => r.custom_id).sort(),
    );
  });

  it("of a run.json written before the 5m/1h split (only `cacheWrite`) are read as 5m writes", async () => {
    const { dir } = await finishedRun(() => ({ input_tokens: 1, output_tokens: 1 }));
    const written = await rawRunJson(dir);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 1e9 }), { minLength: 4, maxLength: 4 }),
        async ([input, cacheWrite, cacheRead, output]) => {
          const legacy = structuredClone(written) as unknown as {
            batches: { state: string; results?: { tokens: unknown } }[];
          };
          for (const b of legacy.batches) {
            if (b.results) b.results.tokens = { input, cacheWrite, cacheRead, output };
          }
          await writeFile(path.join(dir, "run.json"), JSON.stringify(legacy));
          const state = await readRunState(dir);
          const downloaded = state!.batches.flatMap((b) =>
            b.state === "downloaded" ? [b.results.tokens] : [],
          );
          expect(downloaded.length).toBeGreaterThan(0);
          for (const tokens of downloaded) {
            expect(tokens).toEqual({
              input,
              cacheWrite5m: cacheWrite,
              cacheWrite1h: 0,
              cacheRead,
              output,
            });
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
