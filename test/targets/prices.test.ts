import { describe, expect, it } from "vitest";
import { costByKind, costOf, zeroTokens } from "../../src/pricing/cost.js";
import anthropic from "../../src/targets/anthropic/index.js";
import { MODEL_TABLE } from "../../src/targets/anthropic/models.js";

describe("the cost arithmetic takes the target's price factors", () => {
  const sonnet = MODEL_TABLE["claude-sonnet-4-6"];
  const tokens = { input: 1e6, cacheWrite5m: 1e6, cacheWrite1h: 1e6, cacheRead: 1e6, output: 1e6 };

  it("defaults to Anthropic's (reference §3, fact 8-9): $3 input, 1.25x/2x writes, 0.1x read, batch 0.5", () => {
    expect(costByKind(sonnet, tokens, { batch: true })).toEqual(
      costByKind(sonnet, tokens, { batch: true }, anthropic.prices),
    );
    const usd = costByKind(sonnet, tokens, { batch: true });
    expect(usd.input).toBeCloseTo(1.5, 10);
    expect(usd.cacheWrite5m).toBeCloseTo(1.875, 10);
    expect(usd.cacheWrite1h).toBeCloseTo(3, 10);
    expect(usd.cacheRead).toBeCloseTo(0.15, 10);
  });

  it("another target's factors change the figures (a system with no batch discount, one write price)", () => {
    const other = { write: { "5m": 1.25, "1h": 1.25 }, defaultRead: 0.5, batch: 1, usGeo: 1 };
    const usd = costByKind(sonnet, tokens, { batch: true }, other);
    expect(usd.input).toBeCloseTo(3, 10);
    expect(usd.cacheWrite1h).toBeCloseTo(3.75, 10);
    expect(costOf(sonnet, { ...zeroTokens(), input: 1e6 }, { batch: true }, other)).toBeCloseTo(
      3,
      10,
    );
  });
});
