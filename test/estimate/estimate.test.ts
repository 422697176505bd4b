import { describe, expect, it } from "vitest";
import type { TokenBreakdown } from "../../src/exports/pricing.js";
import { createTiktokenCounter } from "../../src/exports/tokens.js";
import {
  type BatchRequest,
  type Estimate,
  estimate,
  OptionsError,
  plan,
  renderEstimate,
  SCENARIOS,
} from "../../src/index.js";
import { sampleRequests } from "../../src/sample.js";
import { createWordCounter } from "../helpers/word-counter.js";

// Hand-computed plans, priced from the reference (shared/reference/anthropic-caching-and-batches.md
// §7, state 2026-11-22). The word counter counts one token per word, so every figure below can be
// checked with a pencil. Claude Sonnet 4.5 (PC-zh): $3 input, $15 output per MTok; read 0.1×,
// 5m write 1.25×, 1h write 2× (fact 8); batch 0.5× (fact 9); no "us" multiplier (before 4.6).

/** `n` words; tags keep texts of different requests apart. */
const text = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${tag}${i % 7}`).join(" ");

function tenRequests(model = "claude-sonnet-4-5", extra: Record<string, unknown> = {}) {
  const system = text("sys", 2000);
  return Array.from(
    { length: 10 },
    (_, i): BatchRequest =>
      ({
        custom_id: `r${i}`,
        params: {
          model,
          max_tokens: 100,
          system,
          messages: [{ role: "user", content: text(`u${i}x`, 10) }],
          ...extra,
        },
      }) as BatchRequest,
  );
}

const tokens = (t: Partial<TokenBreakdown>): TokenBreakdown => ({
  input: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  cacheRead: 0,
  output: 0,
  ...t,
});

describe("estimate: one primed group (10 requests, 2,000 shared words, 10-word tails)", () => {
  // The plan: one 1h breakpoint on `system`, primed: 1 expected write, 9 reads.
  // Output: 50 tokens per request → 500 in all; max_tokens 100 → range up to 1,000.
  const run = async () => {
    const counter = createWordCounter();
    const planned = await plan(tenRequests(), { counter });
    expect(planned.groups[0]!.breakpoints).toMatchObject([
      { prefixTokens: 2000, ttl: "1h", expectedWrites: 1, expectedReads: 9 },
    ]);
    return estimate(planned, { counter, count: "full", outputTokens: 50 });
  };

  it("prices every scenario by hand", async () => {
    const result = await run();
    const s = result.total.scenarios;
    // standard: input 10 × (2,000 + 10) = 20,100 → $0.0603; output 500 × $15/M = $0.0075 → $0.0678
    expect(s.standard.tokens).toEqual(tokens({ input: 20_100, output: 500 }));
    expect(s.standard.usd).toBeCloseTo(0.0678, 9);
    // batch: the same tokens at 0.5 → $0.0339
    expect(s.batch.tokens).toEqual(tokens({ input: 20_100, output: 500 }));
    expect(s.batch.usd).toBeCloseTo(0.0339, 9);
    // ideal = planned (1 write, 9 reads): input 100 tails, 1h write 2,000, read 18,000:
    //   0.5 × (100×3 + 2,000×3×2 + 18,000×3×0.1 + 500×15) / M = 0.5 × 25,200 / M = $0.0126
    for (const name of ["ideal", "planned"] as const) {
      expect(s[name].tokens).toEqual(
        tokens({ input: 100, cacheWrite1h: 2000, cacheRead: 18_000, output: 500 }),
      );
      expect(s[name].usd).toBeCloseTo(0.0126, 9);
    }
    // worst: every request writes: 1h write 20,000 → 0.5 × (300 + 120,000 + 7,500) / M = $0.0639
    expect(s.worst.tokens).toEqual(tokens({ input: 100, cacheWrite1h: 20_000, output: 500 }));
    expect(s.worst.usd).toBeCloseTo(0.0639, 9);
  });

  it("gives the output range, per-kind USD, the group and the break-even", async () => {
    const result = await run();
    const standard = result.total.scenarios.standard;
    // no output: $0.0603; all 1,000 max_tokens: 0.0603 + 1,000 × 15 / M = $0.0753
    expect(standard.usdRange.low).toBeCloseTo(0.0603, 9);
    expect(standard.usdRange.high).toBeCloseTo(0.0753, 9);
    expect(standard.usdByKind.output).toBeCloseTo(0.0075, 9);
    expect(result.output).toEqual({
      assumption: { kind: "tokens", tokens: 50 },
      assumedTokens: 500,
      maxTokens: 1000,
    });
    // Full counting, deterministic counter: no sampling margin.
    expect(result.total.inputTokensMargin95).toBe(0);
    expect(standard.usdMargin95).toBe(0);
    const [group] = result.groups;
    expect(group!.requests).toBe(10);
    expect(group!.scenarios.planned.usd).toBeCloseTo(0.0126, 9);
    // 1h write w = 2, read r = 0.1: h = n(w − 1) / (R(w − r)) = 10 / (9 × 1.9) = 0.58480
    expect(group!.breakEvenHitRate).toBeCloseTo(10 / 17.1, 9);
    expect(result.byModel["claude-sonnet-4-5"]!.scenarios.worst.usd).toBeCloseTo(0.0639, 9);
  });
});

describe("estimate: a cold 5m group (concurrency 4)", () => {
  it("agrees with the plan's expected writes and reads when simulated at its concurrency", async () => {
    const counter = createWordCounter();
    const planned = await plan(tenRequests(), {
      counter,
      strategy: "cold",
      ttl: "5m",
      concurrency: 4,
    });
    // Cold: the first min(10, 4) = 4 requests write, 6 read.
    expect(planned.groups[0]!.breakpoints[0]).toMatchObject({
      expectedWrites: 4,
      expectedReads: 6,
    });
    const s = (await estimate(planned, { counter, count: "full", outputTokens: 50 })).total
      .scenarios;
    // planned: 5m write 4 × 2,000 = 8,000, read 6 × 2,000 = 12,000:
    //   0.5 × (100×3 + 8,000×3×1.25 + 12,000×0.3 + 7,500) / M = 0.5 × 41,400 / M = $0.0207
    expect(s.planned.tokens).toEqual(
      tokens({ input: 100, cacheWrite5m: 8000, cacheRead: 12_000, output: 500 }),
    );
    expect(s.planned.usd).toBeCloseTo(0.0207, 9);
    // ideal: 1 write: 0.5 × (300 + 2,000×3.75 + 18,000×0.3 + 7,500) / M = 0.5 × 20,700 / M
    expect(s.ideal.usd).toBeCloseTo(0.01035, 9);
    // worst: 0.5 × (300 + 20,000×3.75 + 7,500) / M = 0.5 × 82,800 / M = $0.0414
    expect(s.worst.usd).toBeCloseTo(0.0414, 9);
  });
});

describe('estimate: inference_geo "us" (fact 10)', () => {
  it("multiplies every figure by 1.1 on Sonnet 4.6 ($3 / $15, like Sonnet 4.5)", async () => {
    const counter = createWordCounter();
    const planned = await plan(tenRequests("claude-sonnet-4-6", { inference_geo: "us" }), {
      counter,
    });
    const result = await estimate(planned, { counter, count: "full", outputTokens: 50 });
    // The primed-group figures above × 1.1: standard 0.0678 × 1.1, planned 0.0126 × 1.1.
    expect(result.total.scenarios.standard.usd).toBeCloseTo(0.07458, 9);
    expect(result.total.scenarios.planned.usd).toBeCloseTo(0.01386, 9);
    expect(result.notes.some((n) => n.includes('inference_geo: "us"'))).toBe(true);
  });
});

describe("estimate: nested breakpoints (a document per question set, under shared instructions)", () => {
  // 1,500 shared words; doc A (1,000 words) with 3 questions, doc B (1,200) with 4; 5-word questions.
  const requests = (): BatchRequest[] => {
    const system = text("s", 1500);
    const out: BatchRequest[] = [];
    for (const [doc, questions, words] of [
      ["a", 3, 1000],
      ["b", 4, 1200],
    ] as const) {
      for (let i = 0; i < questions; i++) {
        out.push({
          custom_id: `${doc}${i}`,
          params: {
            model: "claude-sonnet-4-5",
            max_tokens: 100,
            system,
            messages: [
              {
                role: "user",
                content: [
                  { type: "text", text: text(doc, words) },
                  { type: "text", text: text(`q${doc}${i}x`, 5) },
                ],
              },
            ],
          },
        });
      }
    }
    return out;
  };

  it("attributes each request to its own document's breakpoint", async () => {
    const counter = createWordCounter();
    const planned = await plan(requests(), { counter, maxWaves: 2 }); // 2 waves: both primers in wave 0
    // top (system, 7 requests): 2 primers write (both in wave 0), 5 read; doc A: 1 + 2; doc B: 1 + 3.
    expect(planned.groups[0]!.breakpoints.map((b) => [b.prefixTokens, b.requests])).toEqual([
      [1500, 7],
      [2500, 3],
      [2700, 4],
    ]);
    const s = (await estimate(planned, { counter, count: "full", outputTokens: 0 })).total
      .scenarios;
    // standard: 3 × 2,505 + 4 × 2,705 = 18,335 input → × $3/M = $0.055005
    expect(s.standard.tokens.input).toBe(18_335);
    expect(s.standard.usd).toBeCloseTo(0.055005, 9);
    // ideal: writes 1,500 + 1,000 + 1,200 = 3,700; reads 6×1,500 + 2×1,000 + 3×1,200 = 14,600;
    //   0.5 × (35×3 + 3,700×6 + 14,600×0.3) / M = 0.5 × 26,685 / M = $0.0133425
    expect(s.ideal.tokens).toEqual(tokens({ input: 35, cacheWrite1h: 3700, cacheRead: 14_600 }));
    expect(s.ideal.usd).toBeCloseTo(0.0133425, 9);
    // planned: top written twice (the two primers of wave 0 start together, so neither sees the
    //   other's write, as the plan expects): writes 3,000 + 1,000 + 1,200 = 5,200; reads 7,500 + 2,000 + 3,600
    //   = 13,100; 0.5 × (105 + 31,200 + 3,930) / M = $0.0176175
    expect(s.planned.tokens).toEqual(tokens({ input: 35, cacheWrite1h: 5200, cacheRead: 13_100 }));
    expect(s.planned.usd).toBeCloseTo(0.0176175, 9);
    // worst: 7×1,500 + 3×1,000 + 4×1,200 = 18,300 written → 0.5 × (105 + 109,800) / M
    expect(s.worst.usd).toBeCloseTo(0.0549525, 9);
  });
});

describe("estimate: long-context tier, per request (Haiku 5.5 above 100k: $0.50, else $0.10)", () => {
  it("prices only the long request at the tier", async () => {
    const counter = createWordCounter();
    const long = text("l", 120_000);
    const requests = [long, text("s", 50)].map((content, i) => ({
      custom_id: `h${i}`,
      params: {
        model: "claude-haiku-5-5",
        max_tokens: 10,
        messages: [{ role: "user", content }],
      },
    }));
    const planned = await plan(requests, { counter, strategy: "none" });
    const result = await estimate(planned, { counter, count: "full", outputTokens: 0 });
    // 120,000 × $0.50/M + 50 × $0.10/M = $0.06 + $0.000005 (not 120,050 × $0.50/M = $0.060025)
    expect(result.total.scenarios.standard.usd).toBeCloseTo(0.060005, 9);
    expect(result.notes.some((n) => n.includes("long-context"))).toBe(true);
  });
});

describe("estimate: token counting", () => {
  it("tokenizes each distinct tail once, and nothing of the plan's prefixes", async () => {
    const system = text("sys", 3000);
    const question = (i: number) => (i >= 6 ? text("same", 12) : text(`q${i}x`, 12));
    const requests = Array.from({ length: 8 }, (_, i) => ({
      custom_id: `t${i}`,
      params: {
        model: "claude-sonnet-4-5",
        max_tokens: 10,
        system,
        messages: [{ role: "user", content: question(i) }],
      },
    }));
    const planned = await plan(requests, { counter: createTiktokenCounter() });
    let calls = 0;
    const counter = createTiktokenCounter({ onTokenize: () => (calls += 1) });
    await estimate(planned, { counter, count: "full" });
    // 6 unique questions + 1 shared by two requests; the system prompt comes from the plan. The
    // simulation behind `planned` counts nothing: it takes the prefixes' figures from the
    // estimate and approximates the tails from their length.
    expect(calls).toBe(7);
    await estimate(planned, { counter, count: "full" });
    expect(calls).toBe(7); // memoised
  });

  it("recounts prefixes segment by segment, each once, when the plan used another counter", async () => {
    const planned = await plan(tenRequests(), { counter: createWordCounter() });
    let calls = 0;
    const counter = createTiktokenCounter({ onTokenize: () => (calls += 1) });
    const result = await estimate(planned, { counter, count: "full" });
    expect(calls).toBe(11); // the system prompt + 10 unique tails
    expect(result.counter).toBe("tiktoken-estimate");
  });

  it("keeps the sampled totals within the reported 95% bound (built-in sample job)", async () => {
    const planned = await plan(sampleRequests());
    const full = await estimate(planned, { count: "full" });
    expect(full.total.inputTokensMargin95).toBe(0);
    const input = (e: Estimate) => e.total.scenarios.standard.tokens.input;
    for (const seed of [1, 2, 3, 4, 5]) {
      const sampled = await estimate(planned, { sampleSize: 40, seed });
      expect(sampled.count.sampledRequests).toBeLessThan(sampled.count.requests);
      expect(sampled.estimated).toBe(true);
      const margin = sampled.total.inputTokensMargin95;
      expect(margin).toBeGreaterThan(0);
      // Token figures are rounded to whole tokens: allow the one token of rounding.
      expect(Math.abs(input(sampled) - input(full))).toBeLessThanOrEqual(margin + 1);
      for (const name of SCENARIOS) {
        const s = sampled.total.scenarios[name];
        expect(Math.abs(s.usd - full.total.scenarios[name].usd)).toBeLessThanOrEqual(
          s.usdMargin95 + 1e-5,
        );
      }
    }
  });
});

describe("estimate: contract and errors", () => {
  it("has the JSON shape of `estimate --json`", async () => {
    const result = await estimate(await plan(sampleRequests()));
    const json = JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
    expect(typeof json.counter).toBe("string");
    const scenarioShape = {
      usd: expect.any(Number),
      tokens: {
        input: expect.any(Number),
        cacheWrite5m: expect.any(Number),
        cacheWrite1h: expect.any(Number),
        cacheRead: expect.any(Number),
        output: expect.any(Number),
      },
    };
    const scenarios = Object.fromEntries(
      SCENARIOS.map((name) => [name, expect.objectContaining(scenarioShape)]),
    );
    const figures = expect.objectContaining({ scenarios: expect.objectContaining(scenarios) });
    expect(json).toMatchObject({
      byModel: { "claude-sonnet-4-5": figures, "claude-haiku-4-5": figures },
      total: figures,
    });
    expect(Object.keys(json.byModel as object)).toEqual(["claude-sonnet-4-5", "claude-haiku-4-5"]);
  });

  // The one unknown-model policy (issue 10 item 4): plan warns, estimate and report leave the
  // model's USD out of every total and say so; estimate used to throw instead.
  it("leaves a model without prices out of every USD total, and says how to supply them", async () => {
    const counter = createWordCounter();
    const known = await estimate(await plan(tenRequests(), { counter }), { counter });
    const mixed = tenRequests().concat(
      tenRequests("my-proxy-model").map((r) => ({ ...r, custom_id: `p${r.custom_id}` })),
    );
    const planned = await plan(mixed, { counter });
    expect(planned.warnings).toContainEqual(
      expect.objectContaining({ kind: "unknown-model", model: "my-proxy-model", requests: 10 }),
    );
    const e = await estimate(planned, { counter });
    expect(e.unpriced).toEqual([{ model: "my-proxy-model", requests: 10 }]);
    expect(e.byModel["my-proxy-model"]).toMatchObject({ requests: 10, priced: false });
    expect(e.byModel["claude-sonnet-4-5"]!.priced).toBeUndefined();
    expect(e.total.requests).toBe(20);
    for (const s of SCENARIOS) {
      expect(e.byModel["my-proxy-model"]!.scenarios[s].usd).toBe(0);
      expect(e.byModel["my-proxy-model"]!.scenarios[s].tokens.input).toBeGreaterThan(0);
      expect(e.total.scenarios[s].usd).toBeCloseTo(known.total.scenarios[s].usd, 6);
    }
    expect(e.notes[0]).toMatch(/`my-proxy-model` \(10 requests\)/);
    expect(e.notes[0]).toMatch(/left out of every total/);
    expect(e.notes[0]).toMatch(/--models file\.json/);
    expect(e.notes[0]).toMatch(/inputPerMTok/);
    const text = renderEstimate(e);
    expect(text).toMatch(
      /unknown price: USD leaves out requests of models without prices:\s+my-proxy-model \(10\)/,
    );
    expect(text).toMatch(/my-proxy-model\s+10\s+unknown price/);
    expect(known.unpriced).toBeUndefined();
  });

  it("caps assumed output at max_tokens and checks its options", async () => {
    const counter = createWordCounter();
    const planned = await plan(tenRequests(), { counter });
    const capped = await estimate(planned, { counter, outputTokens: 500 });
    expect(capped.output.assumedTokens).toBe(1000); // 10 × min(500, 100)
    const half = await estimate(planned, { counter });
    expect(half.output.assumption).toEqual({ kind: "fraction", fraction: 0.5 });
    expect(half.output.assumedTokens).toBe(500);
    await expect(estimate(planned, { outputTokens: 1, outputFraction: 0.1 })).rejects.toThrow(
      OptionsError,
    );
    await expect(estimate(planned, { outputFraction: 2 })).rejects.toThrow(/from 0 to 1/);
    await expect(estimate(planned, { sampleSize: 1 })).rejects.toThrow(/sampleSize/);
  });
});
