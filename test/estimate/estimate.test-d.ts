import { describe, expectTypeOf, it } from "vitest";
import type { PlannedRange } from "../../src/estimate/types.js";
import type { TokenBreakdown } from "../../src/exports/pricing.js";
import {
  type Estimate,
  type EstimateFigures,
  type EstimateOptions,
  estimate,
  type ScenarioCost,
  type ScenarioName,
} from "../../src/index.js";

describe("estimate() types", () => {
  it("pins the result's shape (the JSON contract of `estimate --json`)", () => {
    expectTypeOf(estimate).returns.resolves.toEqualTypeOf<Estimate>();
    expectTypeOf<Estimate["counter"]>().toEqualTypeOf<string>();
    expectTypeOf<Estimate["total"]>().toEqualTypeOf<EstimateFigures>();
    expectTypeOf<Estimate["byModel"][string]["scenarios"]>().toEqualTypeOf<
      Record<ScenarioName, ScenarioCost>
    >();
    expectTypeOf<ScenarioCost["usd"]>().toEqualTypeOf<number>();
    expectTypeOf<ScenarioCost["tokens"]>().toEqualTypeOf<TokenBreakdown>();
    expectTypeOf<ScenarioName>().toEqualTypeOf<
      "standard" | "batch" | "ideal" | "planned" | "worst"
    >();
    // Added with the simulated `planned` (issue 4): fields only, the contract above unchanged.
    expectTypeOf<EstimateFigures["plannedRange"]>().toEqualTypeOf<PlannedRange | null>();
    expectTypeOf<Estimate["plannedModel"]["kind"]>().toEqualTypeOf<"simulate" | "expected">();
    expectTypeOf<EstimateOptions["plannedModel"]>().toEqualTypeOf<
      "simulate" | "expected" | undefined
    >();
  });
});
