/**
 * `cacheplan report PLAN` after `submit PLAN` reads the results the run downloaded (run.json
 * records them); `--results` still overrides (issue 11 item 3).
 */
import { describe, expect, it } from "vitest";
import { readRunState } from "../../src/index.js";
import { emulator } from "../helpers/emulator.js";
import { runCliEnv } from "../helpers/run-cli.js";
import { cleanupAfterEach, planFolder, primedJob, QUICK_SIM } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

describe("report of a submitted plan", () => {
  it("reads the run's results by default, the same report as with --results", async () => {
    const folder = await planFolder(primedJob(2, 4));
    cleanups.push(folder.cleanup);
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const env = { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: target.url };
    const submitted = await runCliEnv(
      ["submit", "plan/", "--poll-interval", "5", "--no-report"],
      folder.root,
      env,
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout).toContain("Finished. `cacheplan report plan` reports on it.");

    const byDefault = await runCliEnv(["report", "plan/", "--json"], folder.root, {});
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(byDefault.stderr).toBe("");
    const explicit = await runCliEnv(
      ["report", "plan/", "--results", "plan/results", "--json"],
      folder.root,
      {},
    );
    expect(explicit.code, explicit.stderr).toBe(0);
    expect(byDefault.stdout).toBe(explicit.stdout);
    const report = JSON.parse(byDefault.stdout) as { overall: { requests: { succeeded: number } } };
    expect(report.overall.requests.succeeded).toBe(8);
  });

  it("says so when the plan was never submitted, or the run has no results yet", async () => {
    const folder = await planFolder(primedJob(1, 3));
    cleanups.push(folder.cleanup);
    const never = await runCliEnv(["report", "plan"], folder.root, {});
    expect(never.code).toBe(2);
    expect(never.stderr).toMatch(/`plan` was never submitted \(it has no run\.json\)/);
    expect(never.stderr).toContain("--results");

    const target = await emulator({ timeScale: 0, sim: QUICK_SIM }); // nothing ends
    const env = { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: target.url };
    const { run } = await import("../../src/cli/commands/submit.js");
    const { capture } = await import("../helpers/run-cli.js");
    const { io } = capture(folder.root, env);
    await run(["plan", "--poll-interval", "5"], io, { signal: AbortSignal.timeout(300) });
    expect((await readRunState(folder.dir))?.batches.some((b) => b.state === "submitted")).toBe(
      true,
    );
    const none = await runCliEnv(["report", "plan"], folder.root, {});
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/has downloaded no results yet/);
  });
});
