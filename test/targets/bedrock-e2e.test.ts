/**
 * Bedrock end to end, offline (issue 15 "done when"): plan → estimate → submit → report through
 * the real AWS SDKs against the Bedrock emulator, and a run stopped after its create that resumes
 * without creating the job twice.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { planForTarget } from "../../src/estimate/compare.js";
import {
  cancelRun,
  estimate,
  readPlan,
  readRunState,
  report,
  submit,
  writePlan,
} from "../../src/index.js";
import { modelTableOf } from "../../src/pricing/models.js";
import { type BedrockEmulator, startBedrockEmulator } from "../../src/sim/bedrock/emulator.js";
import { anthropicLines } from "../../src/targets/_anthropic-lines.js";
import bedrock, { createClient } from "../../src/targets/bedrock/index.js";
import type { BatchRequest } from "../../src/types.js";
import { tempDir } from "../helpers/cli.js";
import { resultIds, resultLines, stubAwsEnv, submitStopped } from "../helpers/cloud-run.js";
import { FAST_POLL } from "../helpers/run-job.js";
import { words } from "../helpers/word-counter.js";

const models = modelTableOf(bedrock);

/** 130 + 110 requests of two models under a shared ~1,500-word system prompt, one marked. */
function job(run = "a"): BatchRequest[] {
  const system = `Classify the ticket. ${words("rubric", 1500)}`;
  const of = (model: string, n: number, tag: string) =>
    Array.from({ length: n }, (_, i) => ({
      custom_id: `${run}${tag}-${i}`,
      params: {
        model,
        max_tokens: 32,
        system: [{ type: "text", text: system, cache_control: { type: "ephemeral" } }],
        messages: [{ role: "user", content: `Ticket ${i}: ${words(`${tag}${i}`, 20)}` }],
      },
    })) as unknown as BatchRequest[];
  return [...of("claude-sonnet-4-6", 130, "s"), ...of("claude-haiku-4-5", 110, "h")];
}

let emulator: BedrockEmulator;
beforeAll(async () => {
  stubAwsEnv();
  emulator = await startBedrockEmulator({
    timeScale: 20_000,
    buckets: ["jobs"],
    sim: { startDelayMs: 60_000, startDelayJitterMs: 60_000 },
  });
});
afterAll(async () => {
  await emulator.close();
  vi.unstubAllEnvs();
});

const clientFor = () =>
  createClient({
    baseURL: emulator.url,
    bucket: "s3://jobs/team-a",
    roleArn: "arn:aws:iam::000000000000:role/BedrockBatch",
    timeScale: 20_000,
  });

async function planned(dir: string, run = "a") {
  const p = await planForTarget(job(run), {}, bedrock, models);
  await writePlan(p, dir);
  return readPlan(dir);
}

describe("bedrock end to end through the AWS SDKs", { timeout: 120_000 }, () => {
  it("plan → estimate → submit → report: every result mapped back, no cache usage", async () => {
    const { dir: root, cleanup } = await tempDir();
    try {
      const dir = path.join(root, "plan");
      const p = await planned(dir);
      expect(p.options.target).toBe("bedrock");
      expect(p.batches.map((b) => b.requestCount)).toEqual([130, 110]);
      const est = await estimate(p, { models, sensitivity: false });
      // Without `models`, a target plan is priced with the target's own rows.
      expect((await estimate(p, { sensitivity: false })).total.scenarios.standard.usd).toBe(
        est.total.scenarios.standard.usd,
      );
      // No caching in Bedrock batch: planned = batch (markers were removed by the plan).
      expect(est.total.scenarios.planned.usd).toBeCloseTo(est.total.scenarios.batch.usd, 9);

      const client = await clientFor();
      const before = emulator.jobs().size;
      const run = await submit(p, { planDir: dir, client, poll: FAST_POLL });
      expect(run.status).toBe("ended");
      expect(emulator.jobs().size - before).toBe(2);
      // The uploaded files are Bedrock records, byte for byte the target's format.
      const keys = emulator.store.list("jobs", "team-a/cacheplan/");
      expect(keys.filter((k) => k.includes("/input/"))).toHaveLength(2);
      const input = emulator.store
        .get("jobs", keys.find((k) => k.includes("/input/"))!)!
        .toString();
      const first = JSON.parse(input.split("\n")[0]!);
      expect(Object.keys(first)).toEqual(["recordId", "modelInput"]);
      expect(first.modelInput.anthropic_version).toBe("bedrock-2023-05-31");
      expect(input).not.toContain("cache_control");
      expect(keys.filter((k) => k.endsWith("manifest.json.out"))).toHaveLength(2);

      const lines = await resultLines(dir, run.resultsFiles);
      // The plan's target decides how the lines are read and priced (no adapter, no `models`).
      const r = await report(lines, { plan: p });
      const priced = await report(anthropicLines(bedrock, lines), { plan: p, models });
      expect(r.overall.usd).toBeCloseTo(priced.overall.usd, 9);
      expect(r.overall.requests.succeeded).toBe(240);
      expect(r.overall.requests.missing).toBe(0);
      expect(r.overall.tokens.cacheRead).toBe(0);
      expect(r.overall.tokens.cacheWrite5m + r.overall.tokens.cacheWrite1h).toBe(0);
      expect(r.problems).toEqual([]);
      expect(r.notes.join("\n")).toContain(
        "batch inference reported no cache usage, as the sources say",
      );
    } finally {
      await cleanup();
    }
  });

  it("a run stopped after its first create resumes without creating a job twice", async () => {
    const { dir: root, cleanup } = await tempDir();
    try {
      const dir = path.join(root, "plan");
      // Another job than the first test's: the same plan would carry the same tags, and
      // Bedrock answers a repeated clientRequestToken with the job it already made.
      const p = await planned(dir, "b");
      const client = await clientFor();
      const before = emulator.jobs().size;
      const first = await submitStopped(p, dir, client);
      expect(first.status).toBe("interrupted");
      const state = await readRunState(dir);
      expect(state?.target).toBe("bedrock");
      const second = await submit(p, { planDir: dir, client: await clientFor(), poll: FAST_POLL });
      expect(second.status).toBe("ended");
      expect(emulator.jobs().size - before).toBe(2);
      expect((await resultIds(bedrock, dir, second.resultsFiles)).size).toBe(240);
    } finally {
      await cleanup();
    }
  });

  it("cancelRun stops the run's Bedrock jobs (StopModelInvocationJob)", async () => {
    const { dir: root, cleanup } = await tempDir();
    const slow = await startBedrockEmulator({ timeScale: 50, buckets: ["jobs"] });
    try {
      const dir = path.join(root, "plan");
      const p = await planned(dir, "c");
      const client = await createClient({
        baseURL: slow.url,
        bucket: "s3://jobs/team-c",
        roleArn: "arn:aws:iam::000000000000:role/BedrockBatch",
      });
      const run = await submitStopped(p, dir, client, (e) => e.type === "created" && e.index === 1);
      expect(run.status).toBe("interrupted");
      const canceled = await cancelRun(dir, { client });
      expect(canceled.canceled.map((c) => c.index).sort()).toEqual([0, 1]);
      for (const job of slow.jobs().values()) expect(job.stopped).toBe(true);
    } finally {
      await slow.close();
      await cleanup();
    }
  });

  it("a job the service refuses (60 records, under the 100 minimum) keeps the service's reason in run.json", async () => {
    const { dir: root, cleanup } = await tempDir();
    try {
      const dir = path.join(root, "plan");
      const small = job("m")
        .filter((r) => r.params.model === "claude-haiku-4-5")
        .slice(0, 60);
      await writePlan(await planForTarget(small, {}, bedrock, models), dir);
      const p = await readPlan(dir);
      const run = await submit(p, {
        planDir: dir,
        client: await createClient({
          baseURL: emulator.url,
          bucket: "s3://jobs/team-refused",
          roleArn: "arn:aws:iam::000000000000:role/BedrockBatch",
          timeScale: 20_000,
        }),
        poll: FAST_POLL,
      });
      expect(run.status).toBe("ended");
      const state = await readRunState(dir);
      const batch = state!.batches[0] as { failure?: string };
      expect(batch.failure).toMatch(/100/);
    } finally {
      await cleanup();
    }
  });
});
