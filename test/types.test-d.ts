/** Type tests of the public API (STYLE item 18): refactors must not widen these. */
import { describe, expectTypeOf, it } from "vitest";
import {
  type BatchRequest,
  type ModelId,
  type Plan,
  type PlanWarning,
  type PlanWarningKind,
  plan,
  planWarningInfo,
  type RejectReason,
} from "../src/index.js";

describe("public types", () => {
  it("plan() resolves to a Plan", () => {
    expectTypeOf(plan).returns.resolves.toEqualTypeOf<Plan>();
    expectTypeOf<Plan["version"]>().toEqualTypeOf<1>();
    expectTypeOf<Plan["batches"][number]["requests"][number]>().toEqualTypeOf<BatchRequest>();
    expectTypeOf<Plan["groups"][number]["breakpoints"][number]["ttl"]>().toEqualTypeOf<
      "5m" | "1h"
    >();
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
});
