/**
 * plan → estimate → submit → report for the OpenAI Batch API, offline, through the real `openai`
 * SDK against the OpenAI emulator on 127.0.0.1; and a crash between a create and its record,
 * resumed by adopting the batch found by its metadata tag.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { readPlan, writePlan } from "../../../src/io/plan-dir.js";
import { readRunState } from "../../../src/run/state.js";
import { submit } from "../../../src/run/submit.js";
import { type OpenAIEmulator, startOpenAIEmulator } from "../../../src/sim/openai/emulator.js";
import { toCorePlan } from "../../../src/targets/openai/core-plan.js";
import { estimateOpenAI } from "../../../src/targets/openai/estimate.js";
import { planOpenAI } from "../../../src/targets/openai/plan.js";
import { reportOpenAI } from "../../../src/targets/openai/report.js";
import { tempDir } from "../../helpers/cli.js";
import { chat, prose, responses } from "./_lines.js";

const FAST_POLL = { intervalMs: 5, maxIntervalMs: 20, factor: 1.5 } as const;
const SHARED = prose(2400, 21);
const OTHER = prose(1800, 22);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function setup(options: Parameters<typeof startOpenAIEmulator>[0] = {}) {
  const emu: OpenAIEmulator = await startOpenAIEmulator({
    timeScale: 1000,
    concurrency: 8,
    ...options,
  });
  const { dir, cleanup } = await tempDir();
  cleanups.push(() => emu.close(), cleanup);
  const lines = [
    ...Array.from({ length: 30 }, (_, i) =>
      chat(`x${i}`, "gpt-5.6-luna", SHARED, `question ${i}`, { max_completion_tokens: 50 }),
    ),
    ...Array.from({ length: 20 }, (_, i) => responses(`a${i}`, "gpt-5", OTHER, `task ${i}`)),
    chat("old", "gpt-4o-mini", "hello", "there"),
  ];
  const planned = await planOpenAI(lines);
  const planDir = path.join(dir, "plan");
  await writePlan(toCorePlan(planned), planDir);
  const client = new OpenAI({ apiKey: "sk-test-not-a-key", baseURL: emu.baseURL, maxRetries: 0 });
  return { emu, planDir, client, planned };
}

describe("OpenAI end to end through the real SDK (offline)", () => {
  it("plan → estimate → submit → report: every request answered, hits as planned, batch usage agrees with the lines", async () => {
    const { planDir, client, emu, planned } = await setup();
    const plan = await readPlan(planDir);
    expect(plan.options.target).toBe("openai");
    const estimate = estimateOpenAI(plan);
    const result = await submit(plan, { client, planDir, poll: FAST_POLL, createSettleMs: 0 });
    expect(result.status).toBe("ended");
    // One model and one endpoint per batch, as uploaded.
    for (const b of emu.engine.batches.values()) {
      const file = emu.engine.files.get(b.obj.input_file_id as string)!;
      const sent = file.content
        .toString()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(new Set(sent.map((l) => `${l.body.model} ${l.url}`)).size).toBe(1);
      expect(b.obj.metadata).toMatchObject({
        cacheplan: expect.stringMatching(/^cacheplan-[0-9a-f]{12}-\d{4}$/),
      });
    }
    const batches = await Promise.all(
      [...emu.engine.batches.keys()].map((id) => client.batches.retrieve(id)),
    );
    const report = await reportOpenAI(plan, planDir, { batches });
    expect(report.requests).toMatchObject({ planned: 51, succeeded: 51, missing: 0, failed: 0 });
    expect(report.batches.every((b) => b.agrees === true)).toBe(true);
    // The primer wrote the explicit entry before wave 1: the GPT-5.6 requests of wave 1 all read it.
    const primer = planned.groups.find((g) => g.cacheMode === "explicit")!;
    expect(primer.primers).toHaveLength(1);
    expect(report.hitRate).toBeGreaterThan(0.5);
    // The estimate's planned tokens are the run's (same cache model, same rounds).
    // The emulator runs 8 requests of a batch at once: the estimate is asked for the same.
    const inputOnly = estimateOpenAI(plan, {
      output: { kind: "tokens", tokens: 0 },
      concurrency: 8,
    });
    expect(report.tokens.cacheRead).toBe(inputOnly.total.planned.tokens.cacheRead);
    expect(report.tokens.cacheWrite5m).toBe(inputOnly.total.planned.tokens.cacheWrite5m);
    expect(report.actualUsd!).toBeLessThan(estimate.total.batch.usd!);
    // The key never reaches a file.
    for (const f of await readdir(planDir, { recursive: true })) {
      const full = path.join(planDir, f.toString());
      if (f.toString().endsWith(".json") || f.toString().endsWith(".jsonl"))
        expect(await readFile(full, "utf8")).not.toContain("sk-test-not-a-key");
    }
  });

  it("a create whose answer is lost is adopted by its metadata tag in the same run, never created twice", async () => {
    const { planDir, client, emu } = await setup({ loseCreateAnswers: 1 });
    const plan = await readPlan(planDir);
    const events: string[] = [];
    const result = await submit(plan, {
      client,
      planDir,
      poll: FAST_POLL,
      createSettleMs: 0,
      onProgress: (e) => events.push(e.type),
    });
    expect(result.status).toBe("ended");
    expect(events).toContain("adopted");
    expect(emu.engine.batches.size).toBe(plan.batches.length);
  });

  it("a crash while a create is in flight: the run stops with the batch 'creating', and the next run adopts it by its tag", async () => {
    const { planDir, client, emu } = await setup({ hangCreateAnswers: 1 });
    const plan = await readPlan(planDir);
    const controller = new AbortController();
    // The create's answer never comes; the run is stopped meanwhile (as by a crash or Ctrl-C), and
    // the attempt gives up after its timeout without an answer.
    const running = submit(plan, {
      client,
      planDir,
      poll: FAST_POLL,
      concurrency: 1,
      timeout: 300,
      signal: controller.signal,
    });
    while (emu.engine.batches.size === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect((await running).status).toBe("interrupted");
    expect((await readRunState(planDir))?.batches[0]?.state).toBe("creating");
    const events: { type: string; match?: string }[] = [];
    const second = await submit(plan, {
      client,
      planDir,
      poll: FAST_POLL,
      createSettleMs: 0,
      onProgress: (e) => events.push(e as { type: string }),
    });
    expect(second.status).toBe("ended");
    expect(events.find((e) => e.type === "adopted")).toMatchObject({ match: "tag" });
    expect(emu.engine.batches.size).toBe(plan.batches.length);
    const report = await reportOpenAI(plan, planDir);
    expect(report.requests).toMatchObject({ succeeded: 51, missing: 0 });
  });
});
