import { describe, expect, it } from "vitest";
import { fitLinear, predict, sumVariance } from "../../src/estimate/_regression.js";

describe("fitLinear", () => {
  it("recovers exact coefficients and has no residual variance on exact data", () => {
    // y = 0.25 × text chars + 4 × blocks (json absent, so that predictor is dropped)
    const rows = [
      [100, 0, 1],
      [400, 0, 1],
      [300, 0, 2],
      [50, 0, 3],
    ];
    const y = rows.map(([t, , b]) => 0.25 * t! + 4 * b!);
    const fit = fitLinear(rows, y)!;
    expect(fit.kept).toEqual([true, false, true]);
    expect(fit.beta[0]).toBeCloseTo(0.25, 12);
    expect(fit.beta[2]).toBeCloseTo(4, 12);
    expect(fit.s2).toBeCloseTo(0, 12);
    expect(predict(fit.beta, [200, 0, 1])).toBeCloseTo(54, 10);
    expect(sumVariance(fit, 10, [2000, 0, 10])).toBeCloseTo(0, 9);
  });

  it("drops a collinear predictor and still fits", () => {
    // blocks = text / 100 on every row: singular with both, so blocks is dropped.
    const rows = [
      [100, 0, 1],
      [200, 0, 2],
      [300, 0, 3],
    ];
    const fit = fitLinear(rows, [21, 39, 62])!;
    expect(fit.kept).toEqual([true, false, false]);
    // through the origin: β = Σxy / Σx² = (2,100 + 7,800 + 18,600) / 140,000 = 0.20357…
    expect(fit.beta[0]).toBeCloseTo(28_500 / 140_000, 12);
    expect(fit.s2).toBeGreaterThan(0);
  });

  it("gives up with no rows", () => {
    expect(fitLinear([], [])).toBeUndefined();
  });
});
