/**
 * Issue 14 item 6, the crash case: `cacheplan submit --max-queued 2000` in a child process,
 * killed with SIGKILL while it waits for room in the processing queue (four batches of 500 in
 * flight, sixteen pending), then run again: every result, no duplicate batch, and the queue of the
 * emulator (`maxQueued: 2000`, as `cacheplan emulate --max-queued 2000` starts it) never over
 * its limit nor refusing a create.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunState } from "../../src/index.js";
import { emulator } from "../helpers/emulator.js";
import { flatJob } from "../helpers/flat-job.js";
import { buildCli, type ChildRun, spawnCli } from "../helpers/run-child.js";
import {
  cleanupAfterEach,
  planFolder,
  plannedIds,
  QUICK_SIM,
  resultsOnDisk,
} from "../helpers/run-job.js";

let cli: Awaited<ReturnType<typeof buildCli>>;
beforeAll(async () => {
  cli = await buildCli("queue-sigkill");
}, 120_000);
afterAll(() => cli?.remove());

const cleanups = cleanupAfterEach();

describe("submit --max-queued killed with SIGKILL while waiting for room", () => {
  it("resumes: 10,000 requests in batches of 500 through a queue of 2,000, no duplicate, no loss", async () => {
    const folder = await planFolder(flatJob(10_000), { strategy: "none", maxRequests: 500 });
    cleanups.push(folder.cleanup);
    expect(folder.plan.batches).toHaveLength(20);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM, maxQueued: 2000 });
    const env = { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: target.url };
    const argv = [
      "submit",
      folder.dir,
      "--max-queued",
      "2000",
      "--poll-interval",
      "5",
      "--no-report",
    ];

    const child: ChildRun = spawnCli(cli.main, argv, env);
    let seen = "";
    child.child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      if (/waits for room in the processing queue/.test(seen)) child.child.kill("SIGKILL");
    });
    const killed = await child.done;
    expect(killed.signal, killed.stderr + killed.stdout).toBe("SIGKILL");
    const crashed = await readRunState(folder.dir);
    const states = crashed?.batches.map((b) => b.state) ?? [];
    // Killed while waiting: batches in flight, the rest never created.
    expect(states.filter((s) => s === "pending").length).toBeGreaterThan(0);
    expect(states.some((s) => s === "submitted" || s === "ended" || s === "downloaded")).toBe(true);

    const resumed = await spawnCli(cli.main, argv, env).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/Resuming the run recorded in run\.json/);
    const stats = target.stats();
    expect(stats.batchesCreated).toBe(20); // no duplicate
    expect(stats.queue.refused).toBe(0); // never needed the API's 429 to stay in the queue
    expect(stats.queue.peakInBatches).toBeLessThanOrEqual(2000);
    const { state, lines } = await resultsOnDisk(folder.dir);
    expect(state.batches.every((b) => b.state === "downloaded")).toBe(true);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
  }, 180_000);
});
