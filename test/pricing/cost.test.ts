import { describe, expect, it } from "vitest";
import { costByKind, costOf, type TokenBreakdown, zeroTokens } from "../../src/pricing/cost.js";
import { MODEL_TABLE } from "../../src/targets/anthropic/models.js";

// Reference: shared/reference/anthropic-caching-and-batches.md (state as of 2026-11-22).
// Prices are USD per million tokens, copied from §7; multipliers from facts 8-10 and §3.
// Every expected value is computed by hand in the comment above it, not by the module.

const tokens = (t: Partial<TokenBreakdown>): TokenBreakdown => ({ ...zeroTokens(), ...t });
const M = 1_000_000;

describe("costOf: read-exception models", () => {
  it("Opus 5.5 reads at 0.05x (PC-zh §定价: $4 input, read $0.20)", () => {
    const opus = MODEL_TABLE["claude-opus-5-5"];
    // standard: 1M reads × $4 × 0.05 = $0.20
    expect(costOf(opus, tokens({ cacheRead: M }), { batch: false })).toBeCloseTo(0.2, 12);
    // batch: 1M reads × $4 × 0.05 × 0.5 = $0.10 (fact 9: multipliers stack with batch)
    expect(costOf(opus, tokens({ cacheRead: M }), { batch: true })).toBeCloseTo(0.1, 12);
  });

  it("Fable 5.1 reads at 0.025x (PC-zh §定价: $10 input, read $0.25)", () => {
    const fable = MODEL_TABLE["claude-fable-5-1"];
    // 2M reads × $10 × 0.025 = $0.50; in a batch × 0.5 = $0.25 (fact 9: "0.0125× on Fable 5.1")
    expect(costOf(fable, tokens({ cacheRead: 2 * M }), { batch: false })).toBeCloseTo(0.5, 12);
    expect(costOf(fable, tokens({ cacheRead: 2 * M }), { batch: true })).toBeCloseTo(0.25, 12);
  });

  it("a default-read model reads at 0.1x (Sonnet 4.5, PC-zh: $3 input, read $0.30)", () => {
    // 1M reads × $3 × 0.1 = $0.30
    expect(
      costOf(MODEL_TABLE["claude-sonnet-4-5"], tokens({ cacheRead: M }), { batch: false }),
    ).toBeCloseTo(0.3, 12);
  });
});

describe("costOf: writes", () => {
  it("a 5m write costs 1.25x and a 1h write 2x (fact 8; Sonnet 4.6 $3 → $3.75 / $6)", () => {
    const sonnet = MODEL_TABLE["claude-sonnet-4-6"];
    // 10,000 × $3/M × 1.25 = $0.0375
    expect(costOf(sonnet, tokens({ cacheWrite5m: 10_000 }), { batch: false })).toBeCloseTo(
      0.0375,
      12,
    );
    // 10,000 × $3/M × 2 = $0.06; in a batch × 0.5 = $0.03 (fact 9: "a 1h write 1.0×" of list)
    expect(costOf(sonnet, tokens({ cacheWrite1h: 10_000 }), { batch: false })).toBeCloseTo(
      0.06,
      12,
    );
    expect(costOf(sonnet, tokens({ cacheWrite1h: 10_000 }), { batch: true })).toBeCloseTo(0.03, 12);
  });
});

describe("costOf: long-context tier (Haiku 5.5, H55; PR-Q 2026-10-08/09)", () => {
  const haiku = MODEL_TABLE["claude-haiku-5-5"];

  it("reprices the whole request above 100k total input, reads and writes included", () => {
    // total input = 20,000 + 90,000 read = 110,000 > 100,000 → tier $0.50 in / $2.50 out:
    //   input  20,000 × $0.50/M        = $0.0100
    //   read   90,000 × $0.50/M × 0.1  = $0.0045   (tier read $0.05, reference §7)
    //   output  1,000 × $2.50/M        = $0.0025
    //   total                            $0.0170
    const request = tokens({ input: 20_000, cacheRead: 90_000, output: 1_000 });
    expect(costOf(haiku, request, { batch: false })).toBeCloseTo(0.017, 12);
    // batch: × 0.5 = $0.0085
    expect(costOf(haiku, request, { batch: true })).toBeCloseTo(0.0085, 12);
  });

  it("keeps base prices at exactly 100k (the tier is for prompts above it)", () => {
    // 100,000 input × $0.10/M = $0.01; 1,000 output × $0.50/M = $0.0005 → $0.0105
    const request = tokens({ input: 100_000, output: 1_000 });
    expect(costOf(haiku, request, { batch: false })).toBeCloseTo(0.0105, 12);
  });
});

describe('costOf: inference_geo "us" (fact 10: 1.1x on all categories, Claude 4.6 and later)', () => {
  it("multiplies every category on Opus 4.6", () => {
    const opus = MODEL_TABLE["claude-opus-4-6"];
    // Opus 4.6 $5 / $25 (PC-zh). Standard, "us":
    //   input   100,000 × $5/M × 1.1         = $0.55
    //   write   100,000 × $5/M × 1.25 × 1.1  = $0.6875
    //   read    100,000 × $5/M × 0.1 × 1.1   = $0.055
    //   output   10,000 × $25/M × 1.1        = $0.275
    //   total                                  $1.5675
    const request = tokens({
      input: 100_000,
      cacheWrite5m: 100_000,
      cacheRead: 100_000,
      output: 10_000,
    });
    expect(costOf(opus, request, { batch: false, geo: "us" })).toBeCloseTo(1.5675, 12);
    // batch and "us" stack: × 0.5 = $0.78375
    expect(costOf(opus, request, { batch: true, geo: "us" })).toBeCloseTo(0.78375, 12);
    // "global" is standard price: 0.5 + 0.625 + 0.05 + 0.25 = $1.425
    expect(costOf(opus, request, { batch: false, geo: "global" })).toBeCloseTo(1.425, 12);
  });

  it("does not apply before Claude 4.6 (Haiku 4.5: $1 / $5)", () => {
    const haiku = MODEL_TABLE["claude-haiku-4-5"];
    // 1M input × $1 = $1.00, with or without "us"
    expect(costOf(haiku, tokens({ input: M }), { batch: false, geo: "us" })).toBeCloseTo(1, 12);
  });
});

describe("costOf: batch against standard (BP-en §Pricing: 50% of all usage)", () => {
  it("halves every kind", () => {
    const sonnet = MODEL_TABLE["claude-sonnet-5"];
    // Sonnet 5 $2 / $10 (PC-zh): 1M input $2 + 1M 5m write $2.50 + 1M 1h write $4
    //   + 1M read $0.20 + 1M output $10 = $18.70 standard, $9.35 batch.
    const request = tokens({
      input: M,
      cacheWrite5m: M,
      cacheWrite1h: M,
      cacheRead: M,
      output: M,
    });
    expect(costOf(sonnet, request, { batch: false })).toBeCloseTo(18.7, 12);
    expect(costOf(sonnet, request, { batch: true })).toBeCloseTo(9.35, 12);
    const byKind = costByKind(sonnet, request, { batch: true });
    expect(byKind).toEqual({
      input: expect.closeTo(1, 12),
      cacheWrite5m: expect.closeTo(1.25, 12),
      cacheWrite1h: expect.closeTo(2, 12),
      cacheRead: expect.closeTo(0.1, 12),
      output: expect.closeTo(5, 12),
    });
  });

  it("costs nothing for no tokens", () => {
    expect(costOf(MODEL_TABLE["claude-opus-4-8"], zeroTokens(), { batch: true })).toBe(0);
  });
});
