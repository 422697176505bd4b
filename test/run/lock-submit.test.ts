/**
 * One submitter per plan folder, end to end: many `submit()` calls at once through the library,
 * and several `cacheplan submit` processes at once, with and without the stale `run.lock` a
 * SIGKILL leaves. Exactly one wins, and the emulator sees every batch created exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submit } from "../../src/index.js";
import { clientFor, emulator } from "../helpers/emulator.js";
import { buildCli, spawnCli } from "../helpers/run-child.js";
import {
  cleanupAfterEach,
  FAST_POLL,
  planFolder,
  plannedIds,
  primedJob,
  QUICK_SIM,
  resultsOnDisk,
} from "../helpers/run-job.js";
import { staleLock } from "../helpers/run-stale.js";

const cleanups = cleanupAfterEach();

describe("concurrent submits of one plan folder", () => {
  for (const stale of [false, true]) {
    it(`15 library submits at once: one runs, the others are refused (${stale ? "stale lock" : "no lock"}, 3 trials)`, async () => {
      for (let trial = 0; trial < 3; trial++) {
        const folder = await planFolder(primedJob(3, 4), { maxRequests: 2 });
        cleanups.push(folder.cleanup);
        if (stale) await staleLock(folder.dir);
        const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
        const client = clientFor(target);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 15 }, () =>
            submit(folder.plan, { client, planDir: folder.dir, poll: FAST_POLL }),
          ),
        );
        const won = outcomes.filter((o) => o.status === "fulfilled");
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
        expect(won).toHaveLength(1);
        for (const l of lost) expect(l.reason).toMatchObject({ code: "locked" });
        expect(target.stats().batchesCreated).toBe(folder.plan.batches.length);
        const { lines } = await resultsOnDisk(folder.dir);
        expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
      }
    }, 60_000);
  }

  describe("through the CLI, in separate processes", () => {
    let cli: Awaited<ReturnType<typeof buildCli>>;
    beforeAll(async () => {
      cli = await buildCli("lock-submit");
    }, 60_000);
    afterAll(() => cli?.remove());

    for (const stale of [false, true]) {
      it(`5 processes at once: one submitter at a time, every batch created once (${stale ? "stale lock" : "no lock"}, 3 trials)`, async () => {
        for (let trial = 0; trial < 3; trial++) {
          const folder = await planFolder(primedJob(3, 4), { maxRequests: 2 });
          cleanups.push(folder.cleanup);
          if (stale) await staleLock(folder.dir);
          const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
          const env = { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: target.url };
          const argv = ["submit", folder.dir, "--poll-interval", "5", "--no-report", "--quiet"];
          const runs = await Promise.all(
            Array.from({ length: 5 }, () => spawnCli(cli.main, argv, env).done),
          );
          const codes = runs.map((r) => r.code);
          // At least one submits. On a loaded machine a process may start only after the winner
          // has finished and released the lock: it then takes the lock, finds every batch done
          // and exits 0 too, creating nothing. What must never happen is two submitters
          // creating batches: the emulator's count below is the check that catches it.
          expect(
            codes.filter((c) => c === 0).length,
            runs.map((r) => r.stderr).join("\n"),
          ).toBeGreaterThanOrEqual(1);
          for (const r of runs.filter((r) => r.code !== 0)) {
            expect(r.stderr).toMatch(/Another cacheplan .* is submitting/);
          }
          expect(target.stats().batchesCreated).toBe(folder.plan.batches.length);
        }
      }, 120_000);
    }
  });
});
