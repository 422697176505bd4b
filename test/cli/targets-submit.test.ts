/**
 * The CLI runner commands on a Bedrock plan (issue 15 item 5): `submit`, `status` and `report`
 * through the real AWS SDKs against the Bedrock emulator, configured by the environment the
 * client reads (CACHEPLAN_BUCKET, CACHEPLAN_ROLE_ARN, CACHEPLAN_BEDROCK_ENDPOINT, fake AWS keys).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type BedrockEmulator, startBedrockEmulator } from "../../src/sim/bedrock/emulator.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { stubAwsEnv, writeTickets } from "../helpers/cloud-run.js";
import { QUICK_SIM } from "../helpers/run-job.js";

let emulator: BedrockEmulator;
beforeAll(async () => {
  emulator = await startBedrockEmulator({ timeScale: 5_000, buckets: ["jobs"], sim: QUICK_SIM });
  stubAwsEnv({
    CACHEPLAN_BEDROCK_ENDPOINT: emulator.url,
    CACHEPLAN_EMULATOR_TIME_SCALE: "5000",
    CACHEPLAN_BUCKET: "s3://jobs/cli",
    CACHEPLAN_ROLE_ARN: "arn:aws:iam::000000000000:role/BedrockBatch",
  });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await emulator.close();
});

describe("cacheplan submit/status/report on a Bedrock plan", () => {
  it("runs the plan's jobs and reports every result", { timeout: 120_000 }, async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeTickets(dir, 120, "cli");
      const planned = await runCli(
        ["plan", "requests.jsonl", "--target", "bedrock", "--out", "p", "--quiet"],
        {
          cwd: dir,
        },
      );
      expect(planned.code).toBe(0);
      const submitted = await runCli(["submit", "p"], { cwd: dir });
      expect(submitted.stderr).toBe("");
      expect(submitted.code).toBe(0);
      expect([...emulator.jobs().values()].map((j) => j.modelId)).toEqual([
        "global.anthropic.claude-sonnet-4-6",
      ]);
      const status = await runCli(["status", "p"], { cwd: dir });
      expect(status.code).toBe(0);
      const reported = await runCli(["report", "p"], { cwd: dir });
      expect(reported.code).toBe(0);
      expect(reported.stdout).toContain(
        "succeeded 120, errored 0, canceled 0, expired 0, missing 0",
      );
    } finally {
      await cleanup();
    }
  });
});
