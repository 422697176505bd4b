/**
 * The runner's commands in-process against the emulator, through the environment a user sets
 * (`ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`): submit, status, an interrupted run, cancel,
 * retry; and the key never printed.
 */
import { describe, expect, it } from "vitest";
import { run as submitCommand } from "../../src/cli/commands/submit.js";
import { emulator } from "../helpers/emulator.js";
import { capture, runCliEnv } from "../helpers/run-cli.js";
import { cleanupAfterEach, planFolder, primedJob, QUICK_SIM } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

const KEY = "sk-ant-api03-never-printed";

describe("cacheplan submit, status, cancel, retry", () => {
  it("submits, prints progress lines and the report; status reads the state offline", async () => {
    const folder = await planFolder(primedJob(2, 6));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: target.url };

    const submitted = await runCliEnv(["submit", "plan", "--poll-interval", "5"], folder.root, env);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout).toMatch(/^Wave 0: 1 batch, 2 requests\.$/m);
    expect(submitted.stdout).toMatch(/^ {2}created batch 1 \(10 requests\): msgbatch_/m);
    expect(submitted.stdout).toMatch(/^Done: 12 of 12 requests succeeded; hit rate \d+\.\d%\.$/m);
    expect(submitted.stdout).toMatch(/^Report: 12 of 12 requests succeeded/m);
    expect(submitted.stdout).toMatch(/Finished\. `cacheplan report plan` reports on it\./);

    const status = await runCliEnv(["status", "plan"], folder.root, {});
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Run of plan: every batch ended and downloaded$/m);

    const json = await runCliEnv(["submit", "plan", "--json"], folder.root, env);
    const events = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string });
    expect(events.map((e) => e.type)).toEqual(["start", "done", "report"]);
    for (const out of [submitted, status, json]) {
      expect(out.stdout + out.stderr).not.toContain(KEY);
    }
  });

  it("an interrupted run says how to resume; cancel stops it; retry re-plans the rest", async () => {
    const folder = await planFolder(primedJob(2, 6));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 0, sim: QUICK_SIM }); // nothing ends by itself
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: target.url };

    const { io, result } = capture(folder.root, env);
    const code = await submitCommand(["plan", "--poll-interval", "5"], io, {
      signal: AbortSignal.timeout(300),
    });
    const interrupted = result(code);
    expect(interrupted.code).toBe(1);
    expect(interrupted.stderr).toMatch(/resume with `cacheplan submit plan`/);
    expect(interrupted.stderr).toMatch(/`cacheplan cancel plan`/);

    const canceled = await runCliEnv(["cancel", "plan"], folder.root, env);
    expect(canceled.code, canceled.stderr).toBe(0);
    expect(canceled.stdout).toMatch(/^Canceled 1 batch: 0 \(msgbatch_\w+\)/m);
    expect(canceled.stdout).toMatch(/^Never created, and now never will be: 1\.$/m);
    target.advance(60_000); // a canceled batch ends a moment later (the emulator's `canceling`)

    const finished = await runCliEnv(
      ["submit", "plan", "--poll-interval", "5", "--no-report"],
      folder.root,
      env,
    );
    expect(finished.code).toBe(1); // requests did not succeed
    expect(finished.stdout).toMatch(
      /^ {2}batch 0 results: results\/0000-msgbatch_\w+\.jsonl \(2 lines\)$/m,
    );
    expect(finished.stdout).toMatch(/^Run canceled: 0 of 12 requests succeeded/m);
    expect(finished.stdout).toMatch(
      /^Canceled; what was created is downloaded\. `cacheplan retry plan/m,
    );

    const retry = await runCliEnv(["retry", "plan", "--out", "retry-plan"], folder.root, {});
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toMatch(/canceled 2, missing 0, never submitted 10\)/);
    expect(retry.stdout).toMatch(/^Wrote retry-plan: 12 requests/m);
    expect(target.stats().batchesCreated).toBe(1);
    for (const out of [interrupted, canceled, finished, retry]) {
      expect(out.stdout + out.stderr).not.toContain(KEY);
    }
  });
});
