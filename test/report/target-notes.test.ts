import { describe, expect, it } from "vitest";
import { targetReportNotes } from "../../src/report/_target-notes.js";
import type { ReportFigures } from "../../src/report/types.js";

const figures = (cacheRead: number, cacheWrite5m: number) =>
  ({
    tokens: { input: 100, cacheRead, cacheWrite5m, cacheWrite1h: 0, output: 10 },
  }) as ReportFigures;

describe("report notes on what the sources leave uncertain (issue 15)", () => {
  it("Bedrock: says whether the run confirms or contradicts 'no caching in batch'", () => {
    expect(targetReportNotes("bedrock", figures(0, 0))[0]).toMatch(/reported no cache usage/);
    const against = targetReportNotes("bedrock", figures(2_000, 500))[0]!;
    expect(against).toMatch(
      /carry cache usage \(2,000 tokens read, 500 written\), against the sources/,
    );
  });

  it("Vertex says the hit rate is this run's measurement; Anthropic gets no note", () => {
    expect(targetReportNotes("vertex", figures(5, 1))[0]).toMatch(/unmeasured before/);
    expect(targetReportNotes(undefined, figures(5, 1))).toEqual([]);
    expect(targetReportNotes("anthropic", figures(5, 1))).toEqual([]);
  });
});
