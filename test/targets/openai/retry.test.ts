import path from "node:path";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { readPlan, writePlan } from "../../../src/io/plan-dir.js";
import { submit } from "../../../src/run/submit.js";
import { type OpenAIEmulator, startOpenAIEmulator } from "../../../src/sim/openai/emulator.js";
import { toCorePlan } from "../../../src/targets/openai/core-plan.js";
import { planOpenAI } from "../../../src/targets/openai/plan.js";
import { retryOpenAI } from "../../../src/targets/openai/retry.js";
import { tempDir } from "../../helpers/cli.js";
import { chat, prose, responses } from "./_lines.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe("retryOpenAI", () => {
  it("plans again the cancelled requests (planner settings taken off and placed anew) and lists the unknown model to fix", async () => {
    const doc = prose(2000, 41);
    const lines: Record<string, unknown>[] = Array.from({ length: 5 }, (_, i) => {
      const l = responses(`r${i}`, "gpt-5.6-luna", "Be brief.", "x");
      (l.body as Record<string, unknown>).input = [
        {
          role: "user",
          content: [
            { type: "input_text", text: doc },
            { type: "input_text", text: `q${i}` },
          ],
        },
      ];
      return l;
    });
    lines.push(chat("bad-model", "gpt-9-nope", "s", "q"));
    const emu: OpenAIEmulator = await startOpenAIEmulator({
      timeScale: 1000,
      validateMs: 0,
      roundMs: 1_000_000,
      concurrency: 1,
    });
    const { dir, cleanup } = await tempDir();
    cleanups.push(() => emu.close(), cleanup);
    const planDir = path.join(dir, "plan");
    await writePlan(toCorePlan(await planOpenAI(lines)), planDir);
    const plan = await readPlan(planDir);
    const client = new OpenAI({ apiKey: "sk-test", baseURL: emu.baseURL, maxRetries: 0 });
    // Cancel the wave-1 batch of gpt-5.6-luna once its first request has run.
    const watcher = (async () => {
      for (;;) {
        const b = [...emu.engine.batches.values()].find(
          (x) => x.obj.model === "gpt-5.6-luna" && x.items.length === 4,
        );
        if (b && (b.obj.request_counts as { completed: number }).completed >= 1) {
          await client.batches.cancel(b.obj.id);
          return;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const run = await submit(plan, {
      client,
      planDir,
      poll: { intervalMs: 10, maxIntervalMs: 50, factor: 1.5 },
      createSettleMs: 0,
    });
    await watcher;
    expect(run.status).toBe("ended");
    const result = await retryOpenAI(planDir);
    expect(result.succeeded).toBe(2);
    expect(result.retried).toMatchObject({ canceled: 3, errored: 0, missing: 0 });
    expect(result.toFix).toMatchObject([{ custom_id: "bad-model", errorType: "model_not_found" }]);
    const again = result.plan!;
    expect(again.summary.planned).toBe(3);
    for (const b of again.batches)
      for (const r of b.requests) {
        const body = (r as unknown as { params: Record<string, unknown> }).params;
        expect(JSON.stringify(body).match(/prompt_cache_breakpoint/g)).toHaveLength(1);
        expect(body.prompt_cache_options).toEqual({ mode: "explicit" });
      }
  }, 60_000);
});

describe("cancelRun on an OpenAI run", () => {
  it("cancels the batch in progress through the OpenAI backend, creates no later wave, and retry plans the rest", async () => {
    const { cancelRun } = await import("../../../src/run/cancel.js");
    const doc = prose(2000, 51);
    const lines = Array.from({ length: 4 }, (_, i) => {
      const l = responses(`c${i}`, "gpt-5.6-luna", "Be brief.", "x");
      (l.body as Record<string, unknown>).input = [
        {
          role: "user",
          content: [
            { type: "input_text", text: doc },
            { type: "input_text", text: `q${i}` },
          ],
        },
      ];
      return l;
    });
    // Wave 0 (the primer) validates for a long simulated time: the run is cancelled meanwhile.
    const emu = await startOpenAIEmulator({ timeScale: 1000, validateMs: 10_000_000 });
    const { dir, cleanup } = await tempDir();
    cleanups.push(() => emu.close(), cleanup);
    const planDir = path.join(dir, "plan");
    await writePlan(toCorePlan(await planOpenAI(lines)), planDir);
    const plan = await readPlan(planDir);
    const client = new OpenAI({ apiKey: "sk-test", baseURL: emu.baseURL, maxRetries: 0 });
    const running = submit(plan, {
      client,
      planDir,
      poll: { intervalMs: 10, maxIntervalMs: 50, factor: 1.5 },
      createSettleMs: 0,
    });
    while (emu.engine.batches.size === 0) await new Promise((r) => setTimeout(r, 10));
    const canceled = await cancelRun(planDir, { client });
    expect(canceled.notCreated).toEqual([1]);
    const run = await running;
    expect(run.status).toBe("canceled");
    expect([...emu.engine.batches.values()].map((b) => b.obj.status)).toEqual(["cancelled"]);
    const result = await retryOpenAI(planDir);
    // The primer's batch was cancelled before it ran (no line came back), the rest never created.
    expect(result.retried).toMatchObject({ missing: 1, "not-submitted": 3 });
    expect(result.plan?.summary.planned).toBe(4);
  }, 60_000);
});
