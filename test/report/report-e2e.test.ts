/**
 * End to end: `plan()` a shared-prefix job, run it (on `simulate()`, and on the HTTP emulator with
 * the real SDK), and report on the results: the report's figures are the results' usage, exactly.
 */

import { writeFile } from "node:fs/promises";
import path from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { costByKind, type TokenBreakdown } from "../../src/exports/pricing.js";
import {
  type BatchRequest,
  defaultModelTable,
  estimate,
  type Plan,
  plan,
  prepareTokens,
  readJsonl,
  report,
  simulate,
} from "../../src/index.js";
import { tempDir } from "../helpers/cli.js";
import {
  advanceUntilEnded,
  clientFor,
  closeEmulators,
  emulator,
  sharedCounter,
} from "../helpers/emulator.js";
import { createWordCounter, words } from "../helpers/word-counter.js";

type Line = Anthropic.Messages.Batches.MessageBatchIndividualResponse;

/**
 * Two models, three shared prefixes, one request in the US region, and a few loners: `n`
 * requests per prefix, each with its own short question.
 */
function job(n: number): BatchRequest[] {
  const out: BatchRequest[] = [];
  const prefixes = [
    { tag: "rubric", model: "claude-sonnet-4-6", words: 1500 },
    { tag: "guide", model: "claude-opus-5-5", words: 900 },
    { tag: "manual", model: "claude-opus-5-5", words: 2000 },
  ];
  for (const p of prefixes) {
    for (let i = 0; i < n; i++) {
      out.push({
        custom_id: `${p.tag}-${i}`,
        params: {
          model: p.model,
          max_tokens: 40,
          system: `Answer briefly. ${words(p.tag, p.words)}`,
          messages: [{ role: "user", content: `Question ${i}: ${words(`${p.tag}q${i}`, 25)}` }],
          ...(p.tag === "guide" && i === 0 ? { inference_geo: "us" as const } : {}),
        },
      });
    }
  }
  for (let i = 0; i < 3; i++) {
    out.push({
      custom_id: `alone-${i}`,
      params: {
        model: "claude-haiku-4-5",
        max_tokens: 20,
        messages: [{ role: "user", content: words(`alone${i}`, 60) }],
      },
    });
  }
  return out;
}

/** What the results say, summed independently of `src/report`. */
function expectedFrom(lines: readonly Line[]) {
  const tokens: TokenBreakdown = {
    input: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    cacheRead: 0,
    output: 0,
  };
  const counts = { succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  let usd = 0;
  for (const { result } of lines) {
    counts[result.type] += 1;
    if (result.type !== "succeeded") continue;
    const u = result.message.usage;
    const t: TokenBreakdown = {
      input: u.input_tokens,
      cacheWrite5m: u.cache_creation?.ephemeral_5m_input_tokens ?? 0,
      cacheWrite1h: u.cache_creation?.ephemeral_1h_input_tokens ?? 0,
      cacheRead: u.cache_read_input_tokens ?? 0,
      output: u.output_tokens,
    };
    for (const k of Object.keys(t) as (keyof TokenBreakdown)[]) tokens[k] += t[k];
    const info = defaultModelTable.get(result.message.model)!;
    const geo = u.inference_geo === "us" ? "us" : "global";
    const byKind = costByKind(info, t, { batch: u.service_tier === "batch", geo });
    usd += Object.values(byKind).reduce((a, b) => a + b, 0);
  }
  return { tokens, counts, usd };
}

describe("plan → simulate → results JSONL → report", () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
  });

  it("the report's tokens are the simulated usage, and its USD is costByKind over it", async () => {
    const counter = createWordCounter();
    const planned = await plan(job(40), { strategy: "auto", counter });
    expect(planned.groups.length).toBe(3);
    const sim = simulate(planned, {
      tokensOf: await prepareTokens(planned, counter),
      errorRate: 0.05,
      seed: 7,
    });
    const lines = sim.requests.map((r) => r.response);
    const tmp = await tempDir();
    cleanup = tmp.cleanup;
    const file = path.join(tmp.dir, "results.jsonl");
    await writeFile(file, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);

    const r = await report(readJsonl(file), {
      plan: planned,
      estimate: await estimate(planned, { counter }),
    });
    expect(r.problems).toEqual([]);
    const expected = expectedFrom(lines);
    expect(r.overall.tokens).toEqual(expected.tokens);
    expect(r.overall.tokens).toEqual({
      input: sim.totals.inputTokens,
      cacheWrite5m: sim.totals.cacheWrite5mTokens,
      cacheWrite1h: sim.totals.cacheWrite1hTokens,
      cacheRead: sim.totals.cacheReadTokens,
      output: sim.totals.outputTokens,
    });
    expect(r.overall.requests).toEqual({ ...expected.counts, missing: 0 });
    expect(r.overall.requests.errored).toBeGreaterThan(0);
    expect(r.overall.hitRate).toBeCloseTo(sim.totals.tokenHitRate, 12);
    expect(r.overall.requestsWithReads).toBe(sim.totals.requestsWithReads);
    expect(r.overall.usd).toBeCloseTo(expected.usd, 12);
    // Per group, the sums add up to the whole.
    const grouped = r.groups.reduce((s, g) => s + g.usd, 0) + r.ungrouped!.usd;
    expect(grouped).toBeCloseTo(r.overall.usd, 12);
    // With the word counter on both sides, the estimate counts what the simulator bills.
    for (const entry of Object.values(r.calibration!.models))
      expect(entry.factor).toBeCloseTo(1, 3);
  });
});

describe("plan → the emulator through the real SDK → results() → report", () => {
  afterEach(closeEmulators);

  it("reports the streamed results exactly, wave by wave", async () => {
    const planned: Plan = await plan(job(12), { strategy: "primed", counter: sharedCounter });
    const waves = [...new Set(planned.batches.map((b) => b.wave))].sort((a, b) => a - b);
    expect(waves).toEqual([0, 1]);
    const target = await emulator({ timeScale: 0 });
    const client = clientFor(target);
    const ids: string[] = [];
    for (const wave of waves) {
      const created: string[] = [];
      for (const batch of planned.batches.filter((b) => b.wave === wave))
        created.push((await client.messages.batches.create({ requests: batch.requests })).id);
      for (const id of created) await advanceUntilEnded(target, client, id);
      ids.push(...created);
    }
    const seen: Line[] = [];
    async function* stream() {
      for (const id of ids) {
        for await (const line of await client.messages.batches.results(id)) {
          seen.push(line);
          yield line;
        }
      }
    }
    const r = await report(stream(), {
      plan: planned,
      estimate: await estimate(planned, { counter: sharedCounter }),
    });
    expect(r.problems).toEqual([]);
    const expected = expectedFrom(seen);
    expect(r.overall.tokens).toEqual(expected.tokens);
    expect(r.overall.requests).toEqual({ ...expected.counts, missing: 0 });
    expect(r.overall.usd).toBeCloseTo(expected.usd, 12);
    // Primed: each group writes once in wave 0 and every wave-1 request reads (reference fact 16).
    // (guide-0 runs in the US region, so it shares no cache with the other guide requests.)
    expect(r.groups.map((g) => g.requests)).toEqual([12, 11, 12]);
    for (const g of r.groups) {
      expect(g.writes, g.id).toEqual({ actual: 1, ideal: 1 });
      expect(g.attribution, g.id).toEqual([
        { kind: "expected-write", requests: 1 },
        { kind: "cross-wave-read", requests: g.requests - 1 },
      ]);
    }
    expect(r.verdict.kind).toBe("worked");
  });
});
