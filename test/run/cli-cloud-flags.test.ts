/**
 * `cacheplan submit --bucket … --role-arn …`: where a Bedrock (or Vertex) plan's batch files go and
 * the role its jobs run as, given as flags instead of `CACHEPLAN_BUCKET` / `CACHEPLAN_ROLE_ARN`,
 * passed to the target's client; refused with a clear message on a plan that does not use them.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type BedrockEmulator, startBedrockEmulator } from "../../src/sim/bedrock/emulator.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { stubAwsEnv, writeTickets } from "../helpers/cloud-run.js";
import { QUICK_SIM } from "../helpers/run-job.js";

let emulator: BedrockEmulator;
beforeAll(async () => {
  emulator = await startBedrockEmulator({ timeScale: 5_000, buckets: ["flags"], sim: QUICK_SIM });
  stubAwsEnv({
    CACHEPLAN_BEDROCK_ENDPOINT: emulator.url,
    CACHEPLAN_EMULATOR_TIME_SCALE: "5000",
    CACHEPLAN_BUCKET: "",
    CACHEPLAN_ROLE_ARN: "",
  });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await emulator.close();
});

describe("submit --bucket --role-arn", () => {
  it("puts a Bedrock plan's files in the bucket given and runs its job as the role given", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeTickets(dir, 120, "flags");
      const planned = await runCli(
        ["plan", "requests.jsonl", "--target", "bedrock", "--out", "p", "--quiet"],
        { cwd: dir },
      );
      expect(planned.code, planned.stderr).toBe(0);
      const role = "arn:aws:iam::000000000000:role/FlagRole";
      const submitted = await runCli(
        ["submit", "p", "--bucket", "s3://flags/run", "--role-arn", role, "--no-report"],
        { cwd: dir },
      );
      expect(submitted.stderr).toBe("");
      expect(submitted.code).toBe(0);
      const jobs = [...emulator.jobs().values()];
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.roleArn).toBe(role);
      expect(jobs[0]!.input).toMatch(/^s3:\/\/flags\/run\//);
    } finally {
      await cleanup();
    }
  }, 120_000);

  it("refuses them on a plan of the Anthropic API, before asking for a key", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeTickets(dir, 3, "flags");
      expect(
        (await runCli(["plan", "requests.jsonl", "--out", "p", "--quiet"], { cwd: dir })).code,
      ).toBe(0);
      const bucket = await runCli(["submit", "p", "--bucket", "gs://b/x"], { cwd: dir });
      expect(bucket.code).toBe(2);
      expect(bucket.stderr).toMatch(
        /`--bucket` is where Vertex AI and Amazon Bedrock batch files go; this plan is for anthropic/,
      );
      const role = await runCli(["submit", "p", "--role-arn", "arn:x"], { cwd: dir });
      expect(role.code).toBe(2);
      expect(role.stderr).toMatch(
        /`--role-arn` is the IAM role an Amazon Bedrock job runs as; this plan is for anthropic/,
      );
    } finally {
      await cleanup();
    }
  });
});
