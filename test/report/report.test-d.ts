/** Type tests of the report's public API (STYLE item 18): refactors must not widen these. */
import { describe, expectTypeOf, it } from "vitest";
import type { TokenBreakdown } from "../../src/exports/pricing.js";
import {
  type Attribution,
  type GroupReport,
  type Report,
  type ReportFolderOptions,
  type ReportProblem,
  type RequestCounts,
  report,
  reportFolder,
} from "../../src/index.js";

describe("report types", () => {
  it("report() resolves to a Report with the JSON contract's fields", () => {
    expectTypeOf(report).returns.resolves.toEqualTypeOf<Report>();
    expectTypeOf<Report["overall"]["requests"]>().toEqualTypeOf<RequestCounts>();
    expectTypeOf<keyof RequestCounts>().toEqualTypeOf<
      "succeeded" | "errored" | "canceled" | "expired" | "missing"
    >();
    expectTypeOf<Report["overall"]["tokens"]>().toEqualTypeOf<TokenBreakdown>();
    expectTypeOf<Report["overall"]["hitRate"]>().toEqualTypeOf<number>();
    expectTypeOf<Report["overall"]["usd"]>().toEqualTypeOf<number>();
    expectTypeOf<GroupReport["id"]>().toEqualTypeOf<string>();
    expectTypeOf<GroupReport["requests"]>().toEqualTypeOf<number>();
    expectTypeOf<GroupReport["hitRate"]>().toEqualTypeOf<number>();
  });

  it("reportFolder() resolves to the same Report, from results and a plan folder's path", () => {
    expectTypeOf(reportFolder).returns.resolves.toEqualTypeOf<Report>();
    expectTypeOf(reportFolder).parameter(1).toEqualTypeOf<string>();
    expectTypeOf(reportFolder).parameter(2).toEqualTypeOf<ReportFolderOptions | undefined>();
    expectTypeOf<keyof ReportFolderOptions>().toEqualTypeOf<"plan" | "estimate" | "models">();
  });

  it("problems and attribution are unions on `kind`", () => {
    expectTypeOf<ReportProblem["kind"]>().toEqualTypeOf<
      | "invalid-line"
      | "invalid-result"
      | "duplicate-custom-id"
      | "unknown-custom-id"
      | "foreign-results"
      | "missing-results"
      | "unknown-model"
    >();
    expectTypeOf<Extract<Attribution, { kind: "duplicate-write" }>>().toHaveProperty("sameWave");
  });
});
