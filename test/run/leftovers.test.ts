/**
 * What a run leaves behind and leaks: no `MaxListenersExceededWarning` on a wave of many batches
 * with one long-lived signal, and the temporary files of a crashed process cleaned on the next
 * start (only files cacheplan named, only of processes that are gone).
 */
import { describe, expect, it } from "vitest";
import { submit } from "../../src/index.js";
import { clientFor, emulator } from "../helpers/emulator.js";
import {
  cleanupAfterEach,
  FAST_POLL,
  planFolder,
  primedJob,
  QUICK_SIM,
} from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

describe("submit: listeners", () => {
  it("emits no MaxListenersExceededWarning on a wave of 16 batches with one signal", async () => {
    // 16 groups of 4, batches of at most 4: 16 primer batches in wave 0, 16 batches in wave 1.
    const folder = await planFolder(primedJob(16, 4), { maxRequests: 3 });
    cleanups.push(folder.cleanup);
    const waves = folder.plan.batches.filter((b) => b.wave === 1).length;
    expect(waves).toBeGreaterThanOrEqual(15);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    cleanups.push(async () => {
      process.off("warning", onWarning);
    });
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const controller = new AbortController();
    const result = await submit(folder.plan, {
      client: clientFor(target, { maxRetries: 2 }),
      planDir: folder.dir,
      poll: FAST_POLL,
      concurrency: 16,
      signal: controller.signal,
    });
    expect(result.status).toBe("ended");
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});
