/**
 * `retryPlan()` on a run with errored (retryable and not) and expired requests: what is retried,
 * what is listed to fix, and a new plan whose markers are the planner's again, not doubled.
 */
import { describe, expect, it } from "vitest";
import { RETRYABLE_ERROR_TYPES } from "../../src/exports/run.js";
import { type BatchRequest, retryPlan, submit } from "../../src/index.js";
import { removeMarkers } from "../../src/request/markers.js";
import { clientFor, emulator } from "../helpers/emulator.js";
import { markerCount } from "../helpers/requests.js";
import {
  cleanupAfterEach,
  FAST_POLL,
  planFolder,
  primedJob,
  resultsOnDisk,
} from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

/**
 * A request the API refuses inside the batch, which the planner lets through: a model the API
 * does not know (the planner only warns about a model missing from its table, since new models
 * appear before any table has them; the API answers `not_found_error`).
 */
const badModel: BatchRequest = {
  custom_id: "bad-model",
  params: {
    model: "claude-no-such-model-1",
    max_tokens: 16,
    messages: [{ role: "user", content: "hello" }],
  },
};

describe("retryPlan", () => {
  it("re-plans errored (retryable), expired and canceled requests; lists invalid ones", async () => {
    const input = [...primedJob(2, 12), badModel];
    const folder = await planFolder(input, { maxRequests: 5 });
    cleanups.push(folder.cleanup);
    expect(folder.plan.rejected).toEqual([]);
    // Batches start 1 to 2 simulated minutes after creation and expire at 1.5: about half do.
    // 20% of requests error with api_error or overloaded_error. Seed 3 (a stopped clock and one
    // create at a time make it deterministic): 12 succeeded, 10 expired, 2 overloaded_error and
    // the invalid request errored.
    const target = await emulator({
      timeScale: 0,
      seed: 3,
      sim: {
        startDelayMs: 60_000,
        startDelayJitterMs: 60_000,
        batchExpiryMs: 90_000,
        errorRate: 0.2,
      },
    });
    const result = await submit(folder.plan, {
      client: clientFor(target),
      planDir: folder.dir,
      poll: FAST_POLL,
      concurrency: 1,
      onProgress: (e) => {
        if (e.type === "poll") target.advance(30_000);
      },
    });
    expect(result.status).toBe("ended");
    const { lines } = await resultsOnDisk(folder.dir);
    const byType = (type: string) => lines.filter((l) => l.result.type === type);
    const errored = byType("errored");
    const expired = byType("expired");
    expect(expired.length).toBeGreaterThan(0);
    const retryable = errored.filter(
      (l) =>
        l.result.type === "errored" && RETRYABLE_ERROR_TYPES.includes(l.result.error.error.type),
    );
    expect(retryable.length).toBeGreaterThan(0);

    const retry = await retryPlan(folder.dir);
    expect(retry.retried.errored).toBe(retryable.length);
    expect(retry.retried.expired).toBe(expired.length);
    expect(retry.retried.missing).toBe(0);
    expect(retry.succeeded).toBe(byType("succeeded").length);
    const bad = lines.find((l) => l.custom_id === "bad-model");
    // With seed 3 its batch ran: the API refused it, and a retry cannot cure that.
    expect(bad?.result.type).toBe("errored");
    expect(retry.toFix).toEqual([
      expect.objectContaining({ custom_id: "bad-model", errorType: "not_found_error" }),
    ]);
    const retried = retry.plan!.batches.flatMap((b) => b.requests);
    expect(retried.map((r) => r.custom_id).sort()).toEqual(
      [...retryable, ...expired].map((l) => l.custom_id).sort(),
    );
    // The planner's markers were taken off before planning again, so none is doubled.
    for (const r of retried) {
      if (r.custom_id !== "bad-model") expect(markerCount(r), r.custom_id).toBeLessThanOrEqual(1);
    }
    // Exactly they went: the new plan's requests without the new plan's markers are the input
    // requests as written (strings the first plan turned into blocks are strings again).
    const original = new Map(input.map((r) => [r.custom_id, r]));
    for (const group of retry.plan!.groups) {
      const labels = group.breakpoints.filter((b) => b.origin === "planner").map((b) => b.segment);
      for (const r of retried.filter((x) => group.customIds.includes(x.custom_id))) {
        expect(removeMarkers(r, labels), r.custom_id).toEqual(original.get(r.custom_id));
      }
    }
  });

  it("refuses a run that is not finished", async () => {
    const folder = await planFolder(primedJob(1, 4));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 0 });
    const controller = new AbortController();
    await submit(folder.plan, {
      client: clientFor(target),
      planDir: folder.dir,
      poll: FAST_POLL,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "created") controller.abort();
      },
    });
    await expect(retryPlan(folder.dir)).rejects.toMatchObject({ code: "not-finished" });
  });
});
