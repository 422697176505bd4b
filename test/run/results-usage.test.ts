/**
 * The token totals `run.json` keeps per batch come from the one usage reader (src/usage.ts), so
 * the runner counts what the report counts: a write reported only as its 5m/1h split
 * (`cache_creation_input_tokens` null; reference §8: the split sums to the total) is counted, and
 * a usage the reader refuses adds nothing (the report names it; the line is still kept).
 */
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { plan as planRequests, readRunState, submit, writePlan } from "../../src/index.js";
import { tempDir } from "../helpers/cli.js";
import { sharedCounter } from "../helpers/emulator.js";
import { startFakeBatches } from "../helpers/fake-batches.js";
import { cleanupAfterEach, FAST_POLL, primedJob, resultsOnDisk } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

describe("run.json token totals", () => {
  it("are read by the one usage reader: a split-only write counts, a malformed usage does not", async () => {
    const requests = primedJob(1, 3);
    const [splitOnly, malformed] = requests.map((r) => r.custom_id);
    const planned = await planRequests(requests, { counter: sharedCounter, maxRequests: 10 });
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await writePlan(planned, dir);
    const server = await startFakeBatches({
      usage: (id) =>
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
    });
    cleanups.push(server.close);
    const client = new Anthropic({ baseURL: server.url, apiKey: "test-key", maxRetries: 0 });
    const result = await submit(planned, { client, planDir: dir, poll: FAST_POLL, maxRetries: 0 });
    expect(result.status).toBe("ended");

    const state = await readRunState(dir);
    const records = state!.batches.map((b) => (b.state === "downloaded" ? b.results : null));
    const sum = { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
    for (const r of records) {
      for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += r?.tokens[key] ?? 0;
    }
    // splitOnly: 5 in, 30 + 70 written, 2 out; the third: 1 in, 40 read, 1 out; malformed: nothing.
    expect(sum).toEqual({ input: 6, cacheWrite: 100, cacheRead: 40, output: 3 });
    // Every line is kept, the malformed one included.
    expect((await resultsOnDisk(dir)).lines.map((l) => l.custom_id).sort()).toEqual(
      requests.map((r) => r.custom_id).sort(),
    );
  });
});
