import { describe, expect, it } from "vitest";
import { estimate, OptionsError, plan } from "../../src/index.js";
import { resolvePlanOptions } from "../../src/plan/plan.js";
import { wholeNumber } from "../../src/util/options.js";

describe("wholeNumber, the one numeric option checker", () => {
  it("gives the value, or the fallback when absent", () => {
    expect(wholeNumber("n", 5, 1, 0)).toBe(5);
    expect(wholeNumber("n", undefined, 7, 0, 10)).toBe(7);
  });

  it("names the option, the range and the value", () => {
    expect(() => wholeNumber("seed", -1, 1, 0)).toThrow(
      new OptionsError("`seed` must be a whole number >= 0; got -1."),
    );
    expect(() => wholeNumber("maxRequests", 100_001, 1, 1, 100_000)).toThrow(
      new OptionsError("`maxRequests` must be a whole number from 1 to 100,000; got 100001."),
    );
    expect(() => wholeNumber("n", 1.5, 1, 0)).toThrow(/got 1\.5/);
  });

  it("plan and estimate check their options with it", async () => {
    expect(() => resolvePlanOptions({ concurrency: 0 })).toThrow(
      "`concurrency` must be a whole number from 1 to 100,000; got 0.",
    );
    await expect(estimate(await plan([]), { sampleSize: 1 })).rejects.toThrow(
      "`sampleSize` must be a whole number >= 2; got 1.",
    );
  });
});
