/** Type tests of the public API (STYLE item 18): refactors must not widen these. */
import { describe, expectTypeOf, it } from "vitest";
import type { CacheState } from "../src/exports/sim.js";
import type { Target, TargetId } from "../src/exports/targets.js";
import type { TokenCounter } from "../src/exports/tokens.js";
import {
  type BatchRequest,
  type CacheplanError,
  type EnvironmentError,
  type Estimate,
  type EstimateOptions,
  estimate,
  type ModelId,
  type Plan,
  type PlanInput,
  type PlanOptions,
  type PlanWarning,
  type PlanWarningKind,
  plan,
  planWarningInfo,
  type RejectReason,
  type Report,
  report,
  type SCENARIOS,
  type ScenarioCost,
  type ScenarioName,
  type STRATEGIES,
  type Strategy,
  type SubmitResult,
  submit,
} from "../src/index.js";

describe("public types", () => {
  it("plan() takes requests and options and resolves to a Plan", () => {
    expectTypeOf(plan).parameter(0).toEqualTypeOf<PlanInput>();
    expectTypeOf(plan).parameter(1).toEqualTypeOf<PlanOptions | undefined>();
    expectTypeOf(plan).returns.resolves.toEqualTypeOf<Plan>();
    expectTypeOf<Plan["version"]>().toEqualTypeOf<1>();
    expectTypeOf<Plan["batches"][number]["requests"][number]>().toEqualTypeOf<BatchRequest>();
    expectTypeOf<Plan["groups"][number]["breakpoints"][number]["ttl"]>().toEqualTypeOf<
      "5m" | "1h"
    >();
    expectTypeOf<Plan["options"]["strategy"]>().toEqualTypeOf<Strategy>();
  });

  it("estimate() takes a Plan and resolves to an Estimate with one cost per scenario", () => {
    expectTypeOf(estimate).parameter(0).toEqualTypeOf<Plan>();
    expectTypeOf(estimate).parameter(1).toEqualTypeOf<EstimateOptions | undefined>();
    expectTypeOf(estimate).returns.resolves.toEqualTypeOf<Estimate>();
    expectTypeOf<ScenarioName>().toEqualTypeOf<
      "standard" | "batch" | "ideal" | "planned" | "worst"
    >();
    expectTypeOf<(typeof SCENARIOS)[number]>().toEqualTypeOf<ScenarioName>();
    expectTypeOf<Estimate["total"]["scenarios"]>().toEqualTypeOf<
      Record<ScenarioName, ScenarioCost>
    >();
    expectTypeOf<ScenarioCost["usd"]>().toEqualTypeOf<number>();
  });

  it("report() and submit() resolve to their results", () => {
    expectTypeOf(report).returns.resolves.toEqualTypeOf<Report>();
    expectTypeOf(submit).returns.resolves.toEqualTypeOf<SubmitResult>();
  });

  it("strategies: one tuple, the type derived from it", () => {
    expectTypeOf<Strategy>().toEqualTypeOf<"auto" | "primed" | "cold" | "none">();
    expectTypeOf<(typeof STRATEGIES)[number]>().toEqualTypeOf<Strategy>();
    expectTypeOf<NonNullable<PlanOptions["strategy"]>>().toEqualTypeOf<Strategy>();
  });

  it("warning kinds are a closed union with a text for each", () => {
    expectTypeOf<PlanWarningKind>().toEqualTypeOf<PlanWarning["kind"]>();
    expectTypeOf(planWarningInfo).toEqualTypeOf<
      Record<PlanWarningKind, { title: string; description: string; docs: string }>
    >();
    expectTypeOf<"below-minimum">().toMatchTypeOf<PlanWarningKind>();
  });

  it("reject reasons are literal", () => {
    expectTypeOf<"duplicate-custom-id">().toMatchTypeOf<RejectReason>();
    expectTypeOf<string>().not.toMatchTypeOf<RejectReason>();
  });

  it("model ids autocomplete but accept any string", () => {
    expectTypeOf<"claude-opus-5-5">().toMatchTypeOf<ModelId>();
    expectTypeOf<"my-fine-tune">().toMatchTypeOf<ModelId>();
  });

  it("a missing key is an error of the family, naming its variable", () => {
    expectTypeOf<EnvironmentError>().toMatchTypeOf<CacheplanError>();
    expectTypeOf<EnvironmentError["variable"]>().toEqualTypeOf<string>();
  });

  it("sub-paths: the target seam, the counters, the cache model", () => {
    expectTypeOf<"anthropic">().toMatchTypeOf<TargetId>();
    expectTypeOf<"vertex">().toMatchTypeOf<TargetId>();
    expectTypeOf<"bedrock">().toMatchTypeOf<TargetId>();
    expectTypeOf<"azure">().not.toMatchTypeOf<TargetId>();
    expectTypeOf<Target["limits"]["maxRequests"]>().toEqualTypeOf<number>();
    expectTypeOf<PlanOptions["counter"]>().toEqualTypeOf<TokenCounter | undefined>();
    expectTypeOf<CacheState>().toHaveProperty("lookup");
  });
});
