/**
 * Queue-aware submission (issue 14 items 4 and 6): the runner keeps the requests of its
 * unfinished batches at or under `maxQueued`, creating the next batch as earlier ones end; a 429
 * is a wait, never a failure or a duplicate. And the backend seam it runs on (`BatchBackend`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderRunEvent } from "../../src/exports/run.js";
import type { Plan } from "../../src/index.js";
import { OptionsError, type RunEvent, submit } from "../../src/index.js";
import { missedWindowCost } from "../../src/run/_window.js";
import { adoptionTag, BackendCallError } from "../../src/run/backend.js";
import { clientFor, emulator } from "../helpers/emulator.js";
import { flatJob } from "../helpers/flat-job.js";
import { memoryBackend } from "../helpers/memory-backend.js";
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

type QueueWait = Extract<RunEvent, { type: "queue-wait" }>;

/** Most requests of the run's unfinished batches at any event (the runner's own count). */
function peakOfEvents(events: RunEvent[]): number {
  return Math.max(
    0,
    ...events.filter((e): e is QueueWait => e.type === "queue-wait").map((e) => e.queued),
  );
}

describe("submit with maxQueued through the emulator (queue 2,000, batches of 500)", () => {
  it("runs a 10,000-request job within the queue at every moment: every result, no duplicate batch", async () => {
    const folder = await planFolder(flatJob(10_000), { strategy: "none", maxRequests: 500 });
    cleanups.push(folder.cleanup);
    expect(folder.plan.batches).toHaveLength(20);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM, maxQueued: 2000 });
    const rec = recorder();
    const result = await submit(folder.plan, {
      client: clientFor(target),
      planDir: folder.dir,
      poll: FAST_POLL,
      maxQueued: 2000,
      onProgress: rec.on,
    });
    expect(result.status).toBe("ended");
    const stats = target.stats();
    // Within the queue at every moment, as the emulator counted it after every create; no
    // create needed the emulator's 429 to stay there.
    expect(stats.queue.peakInBatches).toBeLessThanOrEqual(2000);
    expect(stats.queue.refused).toBe(0);
    // No duplicate: one create per planned batch.
    expect(stats.batchesCreated).toBe(20);
    const { state, lines } = await resultsOnDisk(folder.dir);
    expect(state.batches.every((b) => b.state === "downloaded")).toBe(true);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
    // The run said it waited for room, once per batch that waited, with its own count.
    const waits = rec.events.filter((e): e is QueueWait => e.type === "queue-wait");
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.every((w) => w.reason === "room" && w.maxQueued === 2000)).toBe(true);
    expect(new Set(waits.map((w) => w.index)).size).toBe(waits.length);
    // It used the room it had: four batches at once, then the fifth waited.
    expect(waits[0]).toMatchObject({ queued: 2000, requests: 500 });
    expect(peakOfEvents(rec.events)).toBe(2000);
    // Never overtaken: a batch waits for room only once every batch before it is created.
    const created = new Set<number>();
    for (const e of rec.events) {
      if (e.type === "created") created.add(e.index);
      if (e.type === "queue-wait") {
        for (let j = 0; j < e.index; j++) expect(created.has(j), `batch ${j}`).toBe(true);
      }
    }
    expect(renderRunEvent(waits[0]!)).toMatch(
      /^ {2}batch \d+ \(500 requests\) waits for room in the processing queue: 2,000 of the 2,000 --max-queued requests/,
    );
  }, 120_000);

  it("without maxQueued under the emulator's limit, its 429s are waits, never a failure", async () => {
    const folder = await planFolder(flatJob(1500), { strategy: "none", maxRequests: 500 });
    cleanups.push(folder.cleanup);
    const backend = memoryBackend({ limit: 1000, retryAfterMs: 15 });
    const rec = recorder();
    const result = await submit(folder.plan, {
      backend,
      planDir: folder.dir,
      poll: FAST_POLL,
      maxQueued: 100_000,
      maxRetries: 0,
      createRetries: 0, // a 429 is not a failed attempt: no retries are needed
      onProgress: rec.on,
    });
    expect(result.status).toBe("ended");
    expect(backend.refused).toBeGreaterThan(0);
    expect(backend.batches).toHaveLength(3); // no duplicate
    expect(backend.peak).toBeLessThanOrEqual(1000);
    const waits = rec.events.filter((e): e is QueueWait => e.type === "queue-wait");
    expect(waits.filter((w) => w.reason === "429")).toHaveLength(backend.refused);
    expect(waits.every((w) => w.reason !== "429" || w.delayMs === 15)).toBe(true);
    const { lines } = await resultsOnDisk(folder.dir);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
  }, 30_000);

  it("backs off on 429s that give no retry-after, growing with each (they are not create attempts)", async () => {
    const folder = await planFolder(flatJob(1000), { strategy: "none", maxRequests: 500 });
    cleanups.push(folder.cleanup);
    const backend = memoryBackend({ limit: 500, retryAfterMs: null, pollsToEnd: 40 });
    const rec = recorder();
    const result = await submit(folder.plan, {
      backend,
      planDir: folder.dir,
      poll: { intervalMs: 1, maxIntervalMs: 1, factor: 1 },
      retryBackoff: { initialMs: 2, maxMs: 16, seed: 3 },
      createRetries: 0,
      onProgress: rec.on,
    });
    expect(result.status).toBe("ended");
    expect(backend.batches).toHaveLength(2);
    const delays = rec.events.flatMap((e) =>
      e.type === "queue-wait" && e.reason === "429" ? [e.delayMs!] : [],
    );
    expect(delays.length).toBeGreaterThan(2);
    // Jittered in [half, all] of 2, 4, 8, 16, 16, …: the third wait is at least 4 ms.
    expect(delays[2]).toBeGreaterThanOrEqual(4);
    expect(Math.max(...delays)).toBeLessThanOrEqual(16);
  });

  it("a 429 whose create may have landed goes through the adoption rule: adopted by its tag, not created twice", async () => {
    const folder = await planFolder(flatJob(1000), { strategy: "none", maxRequests: 500 });
    cleanups.push(folder.cleanup);
    const backend = memoryBackend({
      loseAnswer: (n) =>
        n === 1
          ? new BackendCallError("throttled after the job was submitted", {
              status: 429,
              retryAfterMs: 5,
            })
          : null,
      // This system may answer 429 after the batch exists: the outcome is unknown.
      createOutcome: (error) =>
        (error as { status?: number }).status === 429 ? "unknown" : undefined,
    });
    const rec = recorder();
    const result = await submit(folder.plan, {
      backend,
      planDir: folder.dir,
      poll: FAST_POLL,
      concurrency: 1, // create 1 is batch 0's
      createSettleMs: 0,
      onProgress: rec.on,
    });
    expect(result.status).toBe("ended");
    expect(backend.batches).toHaveLength(2);
    const adopted = rec.events.filter((e) => e.type === "adopted");
    expect(adopted).toMatchObject([
      { type: "adopted", index: 0, match: "tag", id: "msgbatch_mem1" },
    ]);
    expect(result.state.batches[0]).toMatchObject({ id: "msgbatch_mem1", origin: "tag" });
    const { lines } = await resultsOnDisk(folder.dir);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
  }, 30_000);

  it("refuses a plan with a batch larger than maxQueued, before creating anything", async () => {
    const folder = await planFolder(flatJob(600), { strategy: "none", maxRequests: 600 });
    cleanups.push(folder.cleanup);
    const backend = memoryBackend();
    const run = submit(folder.plan, { backend, planDir: folder.dir, maxQueued: 500 });
    await expect(run).rejects.toThrow(OptionsError);
    await expect(
      submit(folder.plan, { backend, planDir: folder.dir, maxQueued: 500 }),
    ).rejects.toThrow(/batch of 600 requests, more than `maxQueued` \(500\).*--max-requests 500/);
    await expect(
      submit(folder.plan, { backend, planDir: folder.dir, maxQueued: 0 }),
    ).rejects.toThrow(/`maxQueued` must be a whole number of requests ≥ 1; got 0/);
    expect(backend.batches).toHaveLength(0);
  });
});

describe("a plan sliced for the queue, submitted through it", () => {
  it("runs slice after slice within the queue, every reader after its group's primer", async () => {
    const folder = await planFolder(primedJob(4, 12), { maxQueued: 20 });
    cleanups.push(folder.cleanup);
    expect(folder.plan.warnings.some((w) => w.kind === "queue-slices")).toBe(true);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM, maxQueued: 20 });
    const result = await submit(folder.plan, {
      client: clientFor(target),
      planDir: folder.dir,
      poll: FAST_POLL,
      maxQueued: 20,
    });
    expect(result.status).toBe("ended");
    const stats = target.stats();
    expect(stats.queue.refused).toBe(0);
    expect(stats.queue.peakInBatches).toBeLessThanOrEqual(20);
    expect(stats.batchesCreated).toBe(folder.plan.batches.length);
    const { lines } = await resultsOnDisk(folder.dir);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
    // Every reader read its group's prefix: primed just before, in the wave before its own.
    const primers = new Set(folder.plan.groups.flatMap((g) => g.primers));
    const readers = lines.filter((l) => !primers.has(l.custom_id));
    const read = readers.filter(
      (l) =>
        l.result.type === "succeeded" && (l.result.message.usage.cache_read_input_tokens ?? 0) > 0,
    );
    expect(read.length).toBe(readers.length);
  }, 60_000);
});

describe("the missed-window warning of a sliced plan", () => {
  it("leaves out a group primed in the wave itself (its first slice, or a re-prime)", () => {
    const group = {
      id: "g1",
      model: "claude-sonnet-4-5",
      sharedTokens: 10_000,
      breakpoints: [{ mode: "primed", ttl: "1h" }],
      customIds: ["a", "b", "c", "d"],
      primers: ["a", "c"],
    };
    const sliced = {
      options: { concurrency: 64 },
      groups: [group],
      batches: [
        { wave: 0, requests: [{ custom_id: "a" }] },
        { wave: 1, requests: [{ custom_id: "b" }] },
        { wave: 2, requests: [{ custom_id: "c" }] },
        { wave: 3, requests: [{ custom_id: "d" }] },
      ],
    } as unknown as Plan;
    expect(missedWindowCost(sliced, 2).groups).toBe(0); // c primes it again here
    expect(missedWindowCost(sliced, 3).groups).toBe(1); // d reads what c wrote
  });
});

describe("the queue invariant (property)", () => {
  it("any batch sizes, queue and pace: within maxQueued at every create, each batch once, every result", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 3, max: 20 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        async (n, perBatch, extra, pollsToEnd, concurrency) => {
          const folder = await planFolder(flatJob(n), { strategy: "none", maxRequests: perBatch });
          try {
            const maxQueued = Math.min(perBatch, n) + extra;
            const backend = memoryBackend({ pollsToEnd });
            const result = await submit(folder.plan, {
              backend,
              planDir: folder.dir,
              poll: { intervalMs: 1, maxIntervalMs: 2, factor: 1.5 },
              maxQueued,
              concurrency,
            });
            expect(result.status).toBe("ended");
            expect(backend.peak).toBeLessThanOrEqual(maxQueued);
            // Each planned batch created once (concurrent creates may arrive in any order).
            expect(backend.batches.map((b) => b.tag).sort()).toEqual(
              folder.plan.batches.map((b) => adoptionTag(result.state.plan, b.index)),
            );
            const { lines } = await resultsOnDisk(folder.dir);
            expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
          } finally {
            await folder.cleanup();
          }
        },
      ),
      { numRuns: 10, seed: 1414 },
    );
  }, 180_000);
});

describe("the backend seam", () => {
  it("keeps a system's concurrent-job limit (maxConcurrent) like the queue", async () => {
    const folder = await planFolder(flatJob(60), { strategy: "none", maxRequests: 10 });
    cleanups.push(folder.cleanup);
    const backend = Object.assign(memoryBackend({ pollsToEnd: 3 }), { maxConcurrent: 2 });
    const result = await submit(folder.plan, { backend, planDir: folder.dir, poll: FAST_POLL });
    expect(result.status).toBe("ended");
    expect(backend.batches).toHaveLength(6);
    expect(backend.peakBatches).toBe(2);
  });

  it("refuses a backend of another target than the plan's", async () => {
    const folder = await planFolder(flatJob(3), { strategy: "none" });
    cleanups.push(folder.cleanup);
    const backend = { ...memoryBackend(), target: "openai" };
    await expect(submit(folder.plan, { backend, planDir: folder.dir })).rejects.toThrow(
      /`backend` is for "openai", but the plan is for "anthropic"/,
    );
  });

  it("refuses an id of the backend's own shape that is not safe in a file name", async () => {
    const folder = await planFolder(flatJob(3), { strategy: "none" });
    cleanups.push(folder.cleanup);
    const backend = memoryBackend();
    const create = backend.create.bind(backend);
    (backend as { idPattern: RegExp }).idPattern = /^.+$/;
    backend.create = async (input, o) => ({ ...(await create(input, o)), id: "../../x" });
    await expect(
      submit(folder.plan, { backend, planDir: folder.dir, poll: FAST_POLL }),
    ).rejects.toThrow(/not a Message Batch id .*Check `MEMORY_URL`/s);
  });
});
