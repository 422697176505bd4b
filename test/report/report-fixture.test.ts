/**
 * A report worked out by hand from a small results file (`test/fixtures/report/results.jsonl`)
 * against its plan (`test/fixtures/report/plan`, written by
 * `cacheplan plan test/fixtures/report/requests.jsonl --strategy primed --out …`):
 *
 *   g1 (claude-sonnet-4-6, primer a-1): a-1 writes 1,480 (1h) in wave 0; a-0, a-2 read it in
 *       wave 1; a-3 errored (overloaded_error).
 *   g2 (claude-opus-5-5, primer b-0): b-0 writes 960 with `cache_creation: null` (so counted as
 *       5m); b-1 reads; b-2 has no result line (missing).
 *   u-0 (claude-opus-5-5, inference_geo "us", a user 5m marker): writes 690 (5m).
 *   h-0 (claude-haiku-4-5, inference_geo "us"): no cache.
 *
 * Prices (reference §7, PC-zh pricing table; USD per million tokens): Sonnet 4.6 $3 in / $15 out,
 * read 0.1×; Opus 5.5 $4 / $20, read 0.05×; Haiku 4.5 $1 / $5, read 0.1×. Multipliers (reference
 * §3, fact 8): 5m write 1.25×, 1h write 2×. Batch 0.5× on everything (fact 9; every line says
 * `service_tier: "batch"`). `inference_geo: "us"` 1.1× on Claude 4.6 and later only (fact 10), so
 * on Opus 5.5 and not on Haiku 4.5.
 */
import { describe, expect, it } from "vitest";
import { totalInputTokens } from "../../src/exports/pricing.js";
import { estimate, type Plan, type Report, readJsonl, readPlan, report } from "../../src/index.js";

const FIXTURES = "test/fixtures/report";
const plan: Plan = await readPlan(`${FIXTURES}/plan`);

function reportOf(
  file: string,
  options: { withEstimate?: Awaited<ReturnType<typeof estimate>> } = {},
) {
  return report(readJsonl(`${FIXTURES}/${file}`), {
    plan,
    ...(options.withEstimate ? { estimate: options.withEstimate } : {}),
  });
}

// Per request, batch prices (fact 9), USD:
// a-1: 24 in × $1.5/M + 1,480 1h × $3 × 2 × 0.5/M + 9 out × $7.5/M
//      = 0.000036 + 0.00444 + 0.0000675                     = 0.0045435
// a-0: 22 × 1.5e-6 + 1,480 read × $3 × 0.1 × 0.5/M + 11 × 7.5e-6
//      = 0.000033 + 0.000222 + 0.0000825                    = 0.0003375
// a-2: 25 × 1.5e-6 + 0.000222 + 7 × 7.5e-6                  = 0.000312
const SONNET = 0.0045435 + 0.0003375 + 0.000312; // 0.005193
// b-0: 26 in × $2/M + 960 "5m" × $4 × 1.25 × 0.5/M + 6 out × $10/M
//      = 0.000052 + 0.0024 + 0.00006                        = 0.002512
// b-1: 27 × 2e-6 + 960 read × $4 × 0.05 × 0.5/M + 5 × 1e-5
//      = 0.000054 + 0.000096 + 0.00005                      = 0.0002
// u-0: (12 × 2e-6 + 690 × $4 × 1.25 × 0.5/M + 48 × 1e-5) × 1.1 (US)
//      = (0.000024 + 0.001725 + 0.00048) × 1.1              = 0.0024519
const OPUS = 0.002512 + 0.0002 + 0.0024519; // 0.0051639
// h-0: 104 × $0.5/M + 40 × $2.5/M (no US multiplier before Claude 4.6) = 0.000152
const HAIKU = 0.000152;

describe("a report worked out by hand", async () => {
  const r = await reportOf("results.jsonl");

  it("counts every planned request once: by result type, errors by type, and missing", () => {
    expect(r.overall.requests).toEqual({
      succeeded: 7,
      errored: 1,
      canceled: 0,
      expired: 0,
      missing: 1,
    });
    expect(r.overall.errors).toEqual({ overloaded_error: 1 });
    expect(r.lines).toBe(8);
  });

  it("sums tokens by kind, with the 1h/5m split from usage.cache_creation", () => {
    // input: 24 + 22 + 25 + 26 + 27 + 12 + 104 = 240; 5m: 960 (b-0, null split) + 690 (u-0);
    // 1h: 1,480 (a-1); read: 1,480 + 1,480 + 960; output: 9+11+7+6+5+48+40.
    expect(r.overall.tokens).toEqual({
      input: 240,
      cacheWrite5m: 1650,
      cacheWrite1h: 1480,
      cacheRead: 3920,
      output: 126,
    });
  });

  it("computes the named hit rates with their definitions", () => {
    // read / (read + creation + input) = 3,920 / (3,920 + 3,130 + 240)
    expect(r.overall.hitRate).toBeCloseTo(3920 / 7290, 12);
    // read / (read + creation) = 3,920 / 7,050
    expect(r.overall.cacheableHitRate).toBeCloseTo(3920 / 7050, 12);
    // a-0, a-2, b-1 read; 7 succeeded
    expect(r.overall.requestsWithReads).toBe(3);
    expect(r.overall.requestHitRate).toBeCloseTo(3 / 7, 12);
    // a-1, b-0 and u-0 wrote
    expect(r.overall.requestsWithWrites).toBe(3);
    expect(r.definitions.hitRate).toContain(
      "cache_read / (cache_read + cache_creation + input_tokens)",
    );
    expect(r.writesPerGroup).toEqual({ groups: 2, actual: 1, ideal: 1 });
  });

  it("prices each model family with the stacked multipliers", () => {
    const usd = Object.fromEntries(r.models.map((m) => [m.model, m.usd]));
    expect(usd["claude-sonnet-4-6"]).toBeCloseTo(SONNET, 12);
    expect(usd["claude-opus-5-5"]).toBeCloseTo(OPUS, 12);
    expect(usd["claude-haiku-4-5"]).toBeCloseTo(HAIKU, 12);
    expect(r.overall.usd).toBeCloseTo(SONNET + OPUS + HAIKU, 12); // 0.0105089
    expect(r.overall.usd).toBe(r.overall.cost.actual);
  });

  it("applies the US multiplier on Opus 5.5 and not on Haiku 4.5", () => {
    const opus = r.models.find((m) => m.model === "claude-opus-5-5")!;
    // u-0's 690 5m tokens: 690 × $4 × 1.25 × 0.5 × 1.1 / M = 0.0018975; b-0's 960: 0.0024.
    expect(opus.usdByKind.cacheWrite5m).toBeCloseTo(0.0018975 + 0.0024, 12);
    const haiku = r.models.find((m) => m.model === "claude-haiku-4-5")!;
    // Standard price with no cache: 104 × $1/M + 40 × $5/M = 0.000304; batch is half, which is
    // exactly what was billed.
    expect(haiku.cost.standard).toBeCloseTo(0.000304, 12);
    expect(haiku.cost.batch).toBeCloseTo(HAIKU, 12);
    expect(r.notes.join("\n")).toMatch(/1 request ran with `inference_geo: "us"`, priced at 1.1x/);
    expect(r.notes.join("\n")).toMatch(/before Claude 4\.6, which has no US multiplier/);
  });

  it("prices the no-caching alternatives at the same tokens", () => {
    // a-1 without caching on the Messages API: 1,504 in × $3/M + 9 × $15/M = 0.004647.
    // u-0: (702 × $4/M + 48 × $20/M) × 1.1 = 0.0041448.
    const sonnet = r.models.find((m) => m.model === "claude-sonnet-4-6")!;
    // a-0: 1,502 × 3e-6 + 11 × 15e-6 = 0.004671; a-2: 1,505 × 3e-6 + 7 × 15e-6 = 0.00462.
    expect(sonnet.cost.standard).toBeCloseTo(0.004647 + 0.004671 + 0.00462, 12);
    expect(r.overall.cost.batch).toBeCloseTo(r.overall.cost.standard / 2, 12);
  });

  it("notes the writes counted as 5m when cache_creation is null", () => {
    expect(r.notes.join("\n")).toMatch(
      /1 result had no `usage.cache_creation` breakdown; its 960 cache-write tokens were counted and priced as 5m/,
    );
  });

  it("reports per group with miss attribution", () => {
    const [g1, g2] = r.groups;
    expect(g1).toMatchObject({
      id: "g1",
      model: "claude-sonnet-4-6",
      requests: 4,
      counts: { succeeded: 3, errored: 1, canceled: 0, expired: 0, missing: 0 },
      tokens: { input: 71, cacheWrite5m: 0, cacheWrite1h: 1480, cacheRead: 2960, output: 27 },
      mode: "primed",
      ttl: "1h",
      writes: { actual: 1, ideal: 1 },
      attribution: [
        { kind: "expected-write", requests: 1 },
        { kind: "cross-wave-read", requests: 2 },
      ],
    });
    expect(g1!.hitRate).toBeCloseTo(2960 / 4511, 12);
    expect(g1!.usd).toBeCloseTo(SONNET, 12);
    expect(g2).toMatchObject({
      id: "g2",
      counts: { succeeded: 2, missing: 1 },
      tokens: { input: 53, cacheWrite5m: 960, cacheWrite1h: 0, cacheRead: 960, output: 11 },
      attribution: [
        { kind: "expected-write", requests: 1 },
        { kind: "cross-wave-read", requests: 1 },
      ],
    });
    expect(g2!.usd).toBeCloseTo(0.002512 + 0.0002, 12);
    expect(r.ungrouped?.usd).toBeCloseTo(0.0024519 + HAIKU, 12);
    expect(r.ungrouped?.requestsWithWrites).toBe(1);
  });

  it("reports per wave and per batch", () => {
    expect(r.waves.map((w) => [w.wave, w.batches, w.requests.succeeded])).toEqual([
      [0, [0], 2],
      [1, [1], 5],
    ]);
    // Wave 0 is the two primers: a-1 and b-0.
    expect(r.waves[0]!.usd).toBeCloseTo(0.0045435 + 0.002512, 12);
    expect(r.batches[1]!.requests).toMatchObject({ errored: 1, missing: 1 });
  });

  it("lists the missing request as a problem, so the report is not complete", () => {
    expect(r.complete).toBe(false);
    expect(r.problems).toEqual([{ kind: "missing-results", count: 1, customIds: ["b-2"] }]);
    expect(r.verdict.text).toMatch(/^Incomplete results/);
  });

  it("gives the same figures for the same lines in another order", async () => {
    const shuffled = await reportOf("results-shuffled.jsonl");
    expect(rounded(shuffled)).toEqual(rounded(r));
  });
});

describe("the same report against the estimate", async () => {
  const e = await estimate(plan);
  const r = await reportOf("results.jsonl", { withEstimate: e });

  it("credits a group's writes whole, its reads to the others, the rest per request", () => {
    // g1: 3 of its 4 requests succeeded (a-3 errored). The ideal writes the entry once, 2 of the
    // 3 read it, and the input and output are 3/4 of the group's.
    const g = e.groups[0]!.scenarios.ideal.tokens;
    const expected = g.cacheWrite1h + g.cacheRead * (2 / 3) + (g.input + g.output) * (3 / 4);
    const vs = r.groups[0]!.vsEstimate!;
    expect(vs.requests).toBe(3);
    expect(vs.estimatedInputTokens).toBeCloseTo(expected - g.output * (3 / 4), 9);
    expect(vs.actualInputTokens).toBe(4511);
    const calibration = r.calibration!.models["claude-sonnet-4-6"]!;
    expect(calibration.actualInputTokens).toBe(4511);
    expect(calibration.factor).toBeCloseTo(4511 / vs.estimatedInputTokens, 4);
    expect(r.calibration!.counter).toBe(e.counter);
  });

  it("gives the variance in USD and %, by kind", () => {
    const vs = r.overall.vsEstimate!;
    expect(vs.varianceUsd).toBeCloseTo(r.overall.usd - vs.planned.usd, 12);
    expect(vs.variancePercent).toBeCloseTo((vs.varianceUsd / vs.planned.usd) * 100, 9);
    const byKind = Object.values(vs.varianceByKind).reduce((a, b) => a + b, 0);
    expect(byKind).toBeCloseTo(vs.varianceUsd, 12);
  });

  it("compares with the ideal at the actual token counts", () => {
    const vs = r.groups[0]!.vsEstimate!;
    // g1 ran exactly as the ideal: one write, every other succeeded request read.
    expect(r.groups[0]!.hitRate).toBeCloseTo(vs.ideal.hitRate, 2);
    expect(vs.hitRateOverIdeal).toBeCloseTo(r.groups[0]!.hitRate / vs.ideal.hitRate, 12);
    const input = totalInputTokens(r.groups[0]!.tokens);
    expect(input).toBe(vs.actualInputTokens);
  });

  it("leaves waves and batches without an estimate comparison", () => {
    expect(r.waves.every((w) => w.vsEstimate === null)).toBe(true);
    expect(r.batches.every((b) => b.vsEstimate === null)).toBe(true);
  });
});

/** The report with every number rounded to 12 significant digits (sums in another order differ in the last bits). */
function rounded(value: Report): unknown {
  return JSON.parse(JSON.stringify(value), (_key, v) =>
    typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v,
  );
}
