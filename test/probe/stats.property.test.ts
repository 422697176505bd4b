/**
 * The probe's statistics as properties: the Wilson interval holds its point estimate inside [0, 1]
 * and narrows with the sample; threshold bounds from truthful observations always contain the
 * threshold, whatever the observation times and their uncertainty.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { thresholdBounds, wilson } from "../../src/probe/_stats.js";

describe("wilson", () => {
  it("0 ≤ low ≤ hits/n ≤ high ≤ 1, exact ends at 0 and n", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, f) => {
          const hits = Math.round(f * n);
          const r = wilson(hits, n);
          expect(r.low).toBeGreaterThanOrEqual(0);
          expect(r.high).toBeLessThanOrEqual(1);
          expect(r.low).toBeLessThanOrEqual(hits / n + 1e-12);
          expect(r.high).toBeGreaterThanOrEqual(hits / n - 1e-12);
          if (hits === 0) expect(r.low).toBe(0);
          if (hits === n) expect(r.high).toBe(1);
        },
      ),
    );
  });

  it("narrows as the sample grows at the same rate", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 10 }),
        (n, tenths) => {
          const hits = Math.round((tenths / 10) * n);
          const a = wilson(hits, n);
          const b = wilson(hits * 4, n * 4);
          expect(b.high - b.low).toBeLessThanOrEqual(a.high - a.low + 1e-12);
        },
      ),
    );
  });

  it("matches a worked value: 0 of 16 → [0, 0.1936]", () => {
    expect(wilson(0, 16).high).toBeCloseTo(0.19361, 4);
    expect(wilson(16, 16).low).toBeCloseTo(0.80639, 4);
    expect(() => wilson(3, 2)).toThrow(RangeError);
  });
});

describe("thresholdBounds", () => {
  it("contains the threshold of any truthful set of observations", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e7, noNaN: true }),
        fc.array(
          fc.record({
            at: fc.double({ min: 0, max: 2e7, noNaN: true }),
            before: fc.double({ min: 0, max: 1e5, noNaN: true }),
            after: fc.double({ min: 0, max: 1e5, noNaN: true }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (threshold, draws) => {
          // The true elapsed time is `at`; the probe only knows it lies in [at − before, at + after].
          const observations = draws.map((d) => ({
            min: Math.max(0, d.at - d.before),
            max: d.at + d.after,
            reached: d.at >= threshold,
          }));
          const b = thresholdBounds(observations);
          expect(b.inconsistent).toBe(false);
          if (b.low !== null) expect(b.low).toBeLessThan(threshold);
          if (b.high !== null) expect(b.high).toBeGreaterThanOrEqual(threshold);
        },
      ),
    );
  });

  it("flags observations that no fixed threshold explains", () => {
    const b = thresholdBounds([
      { min: 100, max: 110, reached: true },
      { min: 200, max: 210, reached: false },
    ]);
    expect(b).toEqual({ low: 200, high: 110, inconsistent: true });
  });
});
