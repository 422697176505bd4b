/**
 * `cacheplan submit` in a child process, stopped by SIGINT or SIGTERM while it watches a wave:
 * exit 130 / 143, one line saying how to resume, the lock released, run.json valid; a resume
 * completes without creating a batch twice. And `cancel` from a second process while the submit
 * runs: the submit records it, creates nothing more and ends canceled (issue 11 item 4).
 */
import { access } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunState } from "../../src/index.js";
import { emulator } from "../helpers/emulator.js";
import { buildCli, type ChildRun, spawnCli } from "../helpers/run-child.js";
import { runCliEnv } from "../helpers/run-cli.js";
import {
  cleanupAfterEach,
  planFolder,
  plannedIds,
  primedJob,
  QUICK_SIM,
  resultsOnDisk,
} from "../helpers/run-job.js";
import { expectValidRunJson } from "./_schema.js";

let cli: Awaited<ReturnType<typeof buildCli>>;
beforeAll(async () => {
  cli = await buildCli("signals");
}, 60_000);
afterAll(() => cli?.remove());

const cleanups = cleanupAfterEach();

/** Resolves once the child's stdout matches `pattern` (fails the test after `ms`). */
async function outputMatches(run: ChildRun, pattern: RegExp, ms = 20_000): Promise<void> {
  let seen = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in: ${seen}`)), ms);
    const check = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      if (pattern.test(seen)) {
        clearTimeout(timer);
        run.child.stdout?.off("data", check);
        resolve();
      }
    };
    run.child.stdout?.on("data", check);
  });
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Advances a stopped emulator clock every few ms until `stop()`. */
function ticking(target: { advance: (ms: number) => void }, stepMs = 60_000) {
  const timer = setInterval(() => target.advance(stepMs), 5);
  return () => clearInterval(timer);
}

describe("submit stopped by a signal", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal}: exit ${code}, one line on how to resume, lock gone, run.json valid; resume adds no batch`, async () => {
      const folder = await planFolder(primedJob(2, 6));
      cleanups.push(folder.cleanup);
      const target = await emulator({ timeScale: 0, sim: QUICK_SIM }); // nothing ends by itself
      const env = { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: target.url };
      const argv = ["submit", folder.dir, "--poll-interval", "5", "--no-report"];

      const child = spawnCli(cli.main, argv, env);
      await outputMatches(child, /created batch 0 .*msgbatch_/);
      child.child.kill(signal);
      const stopped = await child.done;
      expect(stopped.signal, stopped.stderr).toBeNull();
      expect(stopped.code, stopped.stderr).toBe(code);
      const lines = stopped.stderr.trim().split("\n");
      expect(lines, stopped.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^Stopped \\(${signal}\\); the state is saved in .*run\\.json: resume with \`cacheplan submit `,
        ),
      );
      expect(stopped.stdout).not.toMatch(/Stopped/);
      expect(await exists(path.join(folder.dir, "run.lock"))).toBe(false);
      await expectValidRunJson(folder.dir);
      const state = await readRunState(folder.dir);
      expect(state?.batches[0]?.state).toBe("submitted");
      expect(target.stats().batchesCreated).toBe(1);

      const stop = ticking(target);
      const resumed = await runCliEnv(argv.slice(0), folder.root, env).finally(stop);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toMatch(/Resuming the run recorded in run\.json\./);
      expect(target.stats().batchesCreated).toBe(folder.plan.batches.length);
      const { lines: results } = await resultsOnDisk(folder.dir);
      expect(results.map((l) => l.custom_id).sort()).toEqual(plannedIds(folder.plan));
    });
  }
});

describe("cancel beside a running submit", () => {
  it("cancels the created batches; the submit records it, creates nothing more, ends canceled", async () => {
    const folder = await planFolder(primedJob(2, 6));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 0, sim: QUICK_SIM });
    const env = { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: target.url };
    const child = spawnCli(cli.main, ["submit", folder.dir, "--poll-interval", "5"], env);
    await outputMatches(child, /created batch 0 .*msgbatch_/);

    // This test's process is the second one: the child holds the lock.
    expect(await exists(path.join(folder.dir, "run.lock"))).toBe(true);
    const status = await runCliEnv(["status", "plan"], folder.root, {});
    expect(status.stdout).toMatch(
      new RegExp(`^Run of plan: being submitted \\(pid ${child.child.pid}\\), at wave 0 `, "m"),
    );
    const canceled = await runCliEnv(["cancel", "plan"], folder.root, env);
    expect(canceled.code, canceled.stderr).toBe(0);
    expect(canceled.stdout).toMatch(/^Canceled 1 batch: 0 \(msgbatch_\w+\)/m);
    expect(canceled.stdout).toMatch(/^Never created, and now never will be: 1\.$/m);
    expect(canceled.stdout).toMatch(/A submit is running on plan: it creates no more batches/);

    const stop = ticking(target); // the canceled batch ends a moment later
    const finished = await child.done.finally(stop);
    expect(finished.code, finished.stderr).toBe(1); // requests did not succeed
    expect(finished.stdout).toMatch(/^Run canceled: 0 of 12 requests succeeded/m);
    expect(target.stats().batchesCreated).toBe(1);
    const state = await readRunState(folder.dir);
    expect(state?.canceledAt).toEqual(expect.any(String));
    expect(state?.batches.map((b) => b.state)).toEqual(["downloaded", "pending"]);
    expect(await exists(path.join(folder.dir, "cancel-requested"))).toBe(false);
    expect(await exists(path.join(folder.dir, "run.lock"))).toBe(false);
    await expectValidRunJson(folder.dir);
  });

  it("says plainly that a never-submitted plan has nothing to cancel, without asking for a key", async () => {
    const folder = await planFolder(primedJob(1, 3));
    cleanups.push(folder.cleanup);
    const out = await runCliEnv(["cancel", "plan"], folder.root, {});
    expect(out.code).toBe(3);
    expect(out.stderr).toBe(
      "cacheplan: Nothing to cancel: `plan` was never submitted (it has no run.json), so no batch of it exists.\n",
    );
  });
});
