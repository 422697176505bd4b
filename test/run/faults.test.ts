/**
 * A run through 10% injected HTTP faults (429 with retry-after, 500, 529, dropped connections) on
 * every route: the SDK's retries handle them on idempotent calls, the runner on creates, and the
 * run completes with every result and one batch per planned batch.
 */
import { describe, expect, it } from "vitest";
import { submit } from "../../src/index.js";
import { clientFor, emulator } from "../helpers/emulator.js";
import {
  cleanupAfterEach,
  FAST_POLL,
  planFolder,
  plannedIds,
  primedJob,
  QUICK_SIM,
  recorder,
  resultsOnDisk,
} from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

describe("submit through 10% faults", () => {
  for (const kinds of [
    ["429", "500", "529", "drop"],
    ["429", "500", "529", "drop", "lost-response"],
  ] as const) {
    it(`completes with every result once and no duplicate batch (${kinds.join(", ")})`, async () => {
      // 4 groups of 25, batches of at most 10: 1 primer batch and 10 batches in wave 1.
      const folder = await planFolder(primedJob(4, 25), { maxRequests: 10 });
      cleanups.push(folder.cleanup);
      expect(folder.plan.batches.length).toBeGreaterThan(8);
      const target = await emulator({
        timeScale: 1000,
        sim: QUICK_SIM,
        seed: 3,
        faults: { rate: 0.1, kinds, retryAfterMs: 1 },
      });
      const events = recorder();
      const result = await submit(folder.plan, {
        client: clientFor(target, { maxRetries: 10 }),
        planDir: folder.dir,
        poll: FAST_POLL,
        createSettleMs: 0,
        onProgress: events.on,
      });

      expect(result.status).toBe("ended");
      const stats = target.stats();
      expect(stats.batchesCreated).toBe(folder.plan.batches.length);
      const injected = Object.values(stats.faults).reduce((a, b) => a + b, 0);
      expect(injected).toBeGreaterThan(5);
      const { lines } = await resultsOnDisk(folder.dir);
      expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
      expect(lines.every((l) => l.result.type === "succeeded")).toBe(true);
      expect(result.progress.requests).toMatchObject({ succeeded: 100, failed: 0, missing: 0 });
      expect(events.types().at(-1)).toBe("done");
    });
  }

  it("stops with an actionable message on 401, without the key in it", async () => {
    const folder = await planFolder(primedJob(1, 3));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const client = clientFor(target, { apiKey: "sk-ant-wrong-key" });
    // The emulator accepts any key; a 401 is what a bad key gets from the API.
    const original = client.messages.batches.list.bind(client.messages.batches);
    client.messages.batches.list = (() =>
      original({}, { headers: { "x-api-key": null, authorization: null } })) as never;
    const error = await submit(folder.plan, { client, planDir: folder.dir, poll: FAST_POLL }).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ name: "RunError", code: "api", status: 401 });
    const message = (error as Error).message;
    expect(message).toMatch(/ANTHROPIC_API_KEY/);
    expect(message).toMatch(/resumes/);
    expect(message).not.toContain("sk-ant-wrong-key");
  });
});

describe("submit through 20% and 30% faults, with the default retries", () => {
  for (const rate of [0.2, 0.3]) {
    for (const seed of [1, 2, 3]) {
      it(`one submit completes with every result and no duplicate batch (${rate * 100}%, seed ${seed})`, async () => {
        const folder = await planFolder(primedJob(4, 15), { maxRequests: 10 });
        cleanups.push(folder.cleanup);
        const target = await emulator({
          timeScale: 1000,
          sim: QUICK_SIM,
          seed,
          faults: {
            rate,
            kinds: ["429", "500", "529", "drop", "lost-response"],
            retryAfterMs: 1,
          },
        });
        const events = recorder();
        // The SDK's default retries (2); the runner's own (default 8) replace them.
        const result = await submit(folder.plan, {
          client: clientFor(target, { maxRetries: 2 }),
          planDir: folder.dir,
          poll: FAST_POLL,
          createSettleMs: 0,
          retryBackoff: { initialMs: 5, maxMs: 40, seed },
          onProgress: events.on,
        });
        expect(result.status).toBe("ended");
        const stats = target.stats();
        expect(stats.batchesCreated).toBe(folder.plan.batches.length);
        const injected = Object.values(stats.faults).reduce((a, b) => a + b, 0);
        expect(injected).toBeGreaterThan(5);
        const { lines } = await resultsOnDisk(folder.dir);
        expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
        expect(events.types()).toContain("backoff");
      });
    }
  }
});
