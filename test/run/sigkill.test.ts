/**
 * The crash the state file exists for: `cacheplan submit` in a child process, killed with SIGKILL
 * right after the API created a batch and before the answer reached it (the emulator's log fires
 * before the answer is sent), then run again. Zero duplicate batches, zero lost results.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunState } from "../../src/index.js";
import { emulator } from "../helpers/emulator.js";
import { buildCli, type ChildRun, spawnCli } from "../helpers/run-child.js";
import {
  cleanupAfterEach,
  planFolder,
  plannedIds,
  primedJob,
  QUICK_SIM,
  resultsOnDisk,
} from "../helpers/run-job.js";

let cli: Awaited<ReturnType<typeof buildCli>>;
beforeAll(async () => {
  cli = await buildCli("sigkill");
}, 60_000);
afterAll(() => cli?.remove());

const cleanups = cleanupAfterEach();

describe("submit killed with SIGKILL right after a create", () => {
  for (const killAt of [1, 2]) {
    it(`resumes after a kill at create ${killAt} (wave ${killAt - 1}): no duplicate, no loss`, async () => {
      const folder = await planFolder(primedJob(2, 8));
      cleanups.push(folder.cleanup);
      expect(folder.plan.batches.map((b) => b.wave)).toEqual([0, 1]);
      let child: ChildRun | undefined;
      let creates = 0;
      const target = await emulator({
        timeScale: 1000,
        sim: QUICK_SIM,
        log: (line) => {
          if (!/^POST \/v1\/messages\/batches 200/.test(line)) return;
          creates += 1;
          if (creates === killAt) child?.child.kill("SIGKILL");
        },
      });
      const env = { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: target.url };
      const argv = ["submit", folder.dir, "--poll-interval", "5", "--no-report"];

      child = spawnCli(cli.main, argv, env);
      const killed = await child.done;
      expect(killed.signal, killed.stderr + killed.stdout).toBe("SIGKILL");
      expect(target.stats().batchesCreated).toBe(killAt);
      const crashed = await readRunState(folder.dir);
      // The window the intent covers: the batch exists, the state does not know its id.
      expect(crashed?.batches[killAt - 1]?.state).toBe("creating");

      const resumed = await spawnCli(cli.main, argv, env).done;
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toMatch(new RegExp(`adopted batch ${killAt - 1}: msgbatch_`));
      expect(target.stats().batchesCreated).toBe(folder.plan.batches.length);
      const { state, lines } = await resultsOnDisk(folder.dir);
      expect(lines.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
      expect(state.batches.every((b) => b.state === "downloaded")).toBe(true);
    });
  }
});
