/**
 * Vertex end to end, offline (issue 15 "done when"): plan → estimate → submit → report through
 * `@google/genai` and `@google-cloud/storage` against the Vertex emulator (caching as Anthropic,
 * primer wave first), and a run stopped after its first create that resumes without a second job.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { planForTarget } from "../../src/estimate/compare.js";
import { cancelRun, estimate, readPlan, report, submit, writePlan } from "../../src/index.js";
import { modelTableOf } from "../../src/pricing/models.js";
import { startVertexEmulator, type VertexEmulator } from "../../src/sim/vertex/emulator.js";
import { anthropicLines } from "../../src/targets/_anthropic-lines.js";
import vertex, { createClient } from "../../src/targets/vertex/index.js";
import type { BatchRequest } from "../../src/types.js";
import { tempDir } from "../helpers/cli.js";
import { resultIds, resultLines, submitStopped } from "../helpers/cloud-run.js";
import { fakeServiceAccountFile, removeServiceAccountFile } from "../helpers/gcp-credentials.js";
import { FAST_POLL } from "../helpers/run-job.js";
import { words } from "../helpers/word-counter.js";

const models = modelTableOf(vertex);

/** Two groups of 40 requests, each under its own ~1,500-word system prompt (claude-sonnet-4-6). */
function job(run: string): BatchRequest[] {
  const out: BatchRequest[] = [];
  for (let g = 0; g < 2; g++) {
    const system = `Classify the ticket. ${words(`${run}rubric${g}`, 1500)}`;
    for (let i = 0; i < 40; i++)
      out.push({
        custom_id: `${run}g${g}-r${i}`,
        params: {
          model: "claude-sonnet-4-6",
          max_tokens: 32,
          system,
          messages: [{ role: "user", content: `Ticket ${i}: ${words(`${run}t${g}x${i}`, 20)}` }],
        },
      } as unknown as BatchRequest);
  }
  return out;
}

// At 1,000 simulated ms per real ms, a second of real overhead between waves is ~17 simulated
// minutes: inside the primers' 1h TTL, as on the real service.
let emulator: VertexEmulator;
let credentials: string;
beforeAll(async () => {
  credentials = fakeServiceAccountFile();
  vi.stubEnv("GOOGLE_APPLICATION_CREDENTIALS", credentials);
  emulator = await startVertexEmulator({
    timeScale: 1000,
    sim: { startDelayMs: 60_000, startDelayJitterMs: 60_000 },
  });
});
afterAll(async () => {
  await emulator.close();
  vi.unstubAllEnvs();
  removeServiceAccountFile(credentials);
});

const clientFor = () =>
  createClient({
    project: "test-project",
    location: "us-east5",
    baseURL: emulator.url,
    bucket: "gs://jobs/team-a",
    timeScale: 1000,
  });

async function planned(dir: string, run: string) {
  const p = await planForTarget(job(run), { strategy: "primed" }, vertex, models);
  await writePlan(p, dir);
  return readPlan(dir);
}

describe("vertex end to end through @google/genai and @google-cloud/storage", {
  timeout: 120_000,
}, () => {
  it("plan → estimate → submit → report: primer wave first, cache reads measured", async () => {
    const { dir: root, cleanup } = await tempDir();
    try {
      const dir = path.join(root, "plan");
      const p = await planned(dir, "a");
      expect(p.options.target).toBe("vertex");
      expect(p.summary.waves).toBe(2);
      const est = await estimate(p, { models, sensitivity: false });
      // Without `models`, a target plan is priced with the target's own rows.
      expect((await estimate(p, { sensitivity: false })).total.scenarios.standard.usd).toBe(
        est.total.scenarios.standard.usd,
      );
      expect(est.total.scenarios.planned.usd).toBeLessThan(est.total.scenarios.batch.usd);

      const before = emulator.jobs().size;
      const run = await submit(p, { planDir: dir, client: await clientFor(), poll: FAST_POLL });
      expect(run.status).toBe("ended");
      expect(emulator.jobs().size - before).toBe(p.batches.length);
      // Uploaded files are Vertex records: {custom_id, request} with the Vertex version, no model.
      const inputs = emulator.store
        .list("jobs", "team-a/cacheplan/")
        .filter((k) => k.includes("/input/"));
      const first = JSON.parse(emulator.store.get("jobs", inputs[0]!)!.toString().split("\n")[0]!);
      expect(Object.keys(first)).toEqual(["custom_id", "request"]);
      expect(first.request.anthropic_version).toBe("vertex-2023-10-16");
      expect(first.request).not.toHaveProperty("model");
      // Every job names the Vertex model.
      for (const j of emulator.jobs().values())
        expect(j.model).toBe("publishers/anthropic/models/claude-sonnet-4-6");

      const lines = await resultLines(dir, run.resultsFiles);
      // The plan's target decides how the lines are read and priced (no adapter, no `models`).
      const r = await report(lines, { plan: p });
      const priced = await report(anthropicLines(vertex, lines), { plan: p, models });
      expect(r.overall.usd).toBeCloseTo(priced.overall.usd, 9);
      expect(r.overall.requests.succeeded).toBe(80);
      expect(r.problems).toEqual([]);
      expect(r.notes.join("\n")).toContain(
        "cache hits inside Claude batch jobs were unmeasured before",
      );
      // The primers wrote the prefixes; wave 1 read them (caching as Anthropic in the emulator).
      expect(r.overall.tokens.cacheWrite1h).toBeGreaterThan(0);
      expect(r.overall.tokens.cacheRead).toBeGreaterThan(r.overall.tokens.cacheWrite1h);
    } finally {
      await cleanup();
    }
  });

  it("a run stopped after its first create resumes without creating a job twice", async () => {
    const { dir: root, cleanup } = await tempDir();
    try {
      const dir = path.join(root, "plan");
      const p = await planned(dir, "b");
      const before = emulator.jobs().size;
      const first = await submitStopped(p, dir, await clientFor());
      expect(first.status).toBe("interrupted");
      const second = await submit(p, { planDir: dir, client: await clientFor(), poll: FAST_POLL });
      expect(second.status).toBe("ended");
      expect(emulator.jobs().size - before).toBe(p.batches.length);
      expect((await resultIds(vertex, dir, second.resultsFiles)).size).toBe(80);
    } finally {
      await cleanup();
    }
  });

  it("cancelRun cancels the run's Vertex jobs", async () => {
    const { dir: root, cleanup } = await tempDir();
    const slow = await startVertexEmulator({ timeScale: 50 });
    try {
      const dir = path.join(root, "plan");
      const p = await planned(dir, "c");
      const client = await createClient({
        project: "test-project",
        location: "us-east5",
        baseURL: slow.url,
        bucket: "gs://jobs/team-c",
      });
      const run = await submitStopped(p, dir, client);
      expect(run.status).toBe("interrupted");
      const canceled = await cancelRun(dir, { client });
      expect(canceled.canceled.length).toBeGreaterThan(0);
      for (const job of slow.jobs().values()) expect(job.cancelled).toBe(true);
    } finally {
      await slow.close();
      await cleanup();
    }
  });

  it("keeps to Vertex's 4 concurrent jobs: no job of a 6-job wave waits in Vertex's queue", async () => {
    const { dir: root, cleanup } = await tempDir();
    // A slower clock: jobs run for about a real second, so the 5th create would meet 4 running.
    const slow = await startVertexEmulator({
      timeScale: 100,
      sim: { startDelayMs: 60_000, startDelayJitterMs: 60_000 },
    });
    try {
      const dir = path.join(root, "plan");
      const p = await planForTarget(
        job("d"),
        { strategy: "cold", maxRequests: 14 },
        vertex,
        models,
      );
      await writePlan(p, dir);
      const planned = await readPlan(dir);
      expect(planned.batches.filter((b) => b.wave === 0).length).toBeGreaterThan(4);
      const client = await createClient({
        project: "test-project",
        location: "us-east5",
        baseURL: slow.url,
        bucket: "gs://jobs/team-d",
        timeScale: 100,
      });
      const run = await submit(planned, { planDir: dir, client, poll: FAST_POLL });
      expect(run.status).toBe("ended");
      const jobs = [...slow.jobs().values()];
      expect(jobs).toHaveLength(planned.batches.length);
      expect(jobs.filter((j) => j.waited)).toEqual([]);
    } finally {
      await slow.close();
      await cleanup();
    }
  });
});
