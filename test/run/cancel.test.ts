/**
 * A canceled run: `cancelRun()` cancels what is in progress and stops later waves; `submit()`
 * then downloads what the canceled batches did; `retryPlan()` plans the rest again.
 */
import { describe, expect, it } from "vitest";
import { cancelRun, readRunState, retryPlan, submit } from "../../src/index.js";
import { clientFor, emulator } from "../helpers/emulator.js";
import {
  cleanupAfterEach,
  FAST_POLL,
  planFolder,
  primedJob,
  QUICK_SIM,
  recorder,
} from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

describe("a canceled run", () => {
  it("cancels the batches in progress, creates no later wave, and leaves the rest to retry", async () => {
    const folder = await planFolder(primedJob(2, 8));
    cleanups.push(folder.cleanup);
    const [primer, rest] = folder.plan.batches;
    expect([primer?.requestCount, rest?.requestCount]).toEqual([2, 14]);
    // A stopped clock: wave 0 stays in progress until the test moves time.
    const target = await emulator({ timeScale: 0, sim: QUICK_SIM });
    const client = clientFor(target);

    const events = recorder();
    let created: () => void = () => {};
    const wasCreated = new Promise<void>((resolve) => {
      created = resolve;
    });
    const running = submit(folder.plan, {
      client,
      planDir: folder.dir,
      poll: FAST_POLL,
      onProgress: (e) => {
        events.on(e);
        if (e.type === "created") created();
      },
    });
    await wasCreated;
    // While a submit holds the folder, the cancel is handed to it (`_cancel-marker.ts`).
    const canceled = await cancelRun(folder.dir, { client });
    expect(canceled.submitRunning).toBe(true);
    expect(canceled.canceled.map((b) => b.index)).toEqual([0]);
    expect(canceled.notCreated).toEqual([1]);
    expect(canceled.state.canceledAt).not.toBeNull();
    const ticking = setInterval(() => target.advance(60_000), 5); // `canceling`, then ended

    const after = await running.finally(() => clearInterval(ticking));
    expect(after.status).toBe("canceled");
    expect(target.stats().batchesCreated).toBe(1);
    expect(events.types().filter((t) => t === "created")).toHaveLength(1);
    const state = await readRunState(folder.dir);
    const b0 = state?.batches[0];
    if (b0?.state !== "downloaded") throw new Error("batch 0 should be downloaded");
    // Nothing had started (the clock was stopped): every request comes back canceled.
    expect(b0.results.byType).toEqual({ succeeded: 0, errored: 0, canceled: 2, expired: 0 });
    expect(state?.batches[1]?.state).toBe("pending");

    const retry = await retryPlan(folder.dir);
    expect(retry.retried).toEqual({
      errored: 0,
      expired: 0,
      canceled: 2,
      missing: 0,
      "not-submitted": 14,
    });
    expect(retry.plan?.summary.planned).toBe(16);
    expect(retry.plan?.summary.waves).toBe(2);
  });

  it("refuses a folder that was never submitted", async () => {
    const folder = await planFolder(primedJob(1, 3));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 0 });
    await expect(cancelRun(folder.dir, { client: clientFor(target) })).rejects.toMatchObject({
      code: "bad-state",
    });
  });
});
