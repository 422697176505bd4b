/** The renderers: pure functions of a report, summary first, and HTML that needs nothing else. */
import { describe, expect, it } from "vitest";
import {
  estimate,
  readJsonl,
  readPlan,
  renderReportHtml,
  renderReportMarkdown,
  renderReportText,
  report,
} from "../../src/index.js";

const FIXTURES = "test/fixtures/report";
const plan = await readPlan(`${FIXTURES}/plan`);
const full = await report(
  (async function* () {
    yield* readJsonl(`${FIXTURES}/complete/wave-0.jsonl`);
    yield* readJsonl(`${FIXTURES}/complete/wave-1.jsonl`);
  })(),
  { plan, estimate: await estimate(plan) },
);
const bare = await report([
  {
    custom_id: "x",
    result: {
      type: "succeeded",
      message: {
        model: "claude-opus-5-5",
        usage: {
          input_tokens: 100,
          cache_read_input_tokens: 900,
          output_tokens: 3,
          service_tier: "batch",
        },
      },
    },
  },
  {
    custom_id: "y<b>",
    result: { type: "errored", error: { error: { type: "<i>odd_error</i>" } } },
  },
]);

describe("renderReportText", () => {
  it("puts the summary first: verdict, hit rate, cost against the estimate", () => {
    const lines = renderReportText(full).split("\n");
    expect(lines[0]).toBe(
      "Report: 8 of 9 requests succeeded; 3 models, 2 groups, 2 waves, 2 batches",
    );
    expect(lines[1]).toMatch(/^ {2}verdict {3}Caching worked: 100% of the ideal hit rate/);
    expect(lines.findIndex((l) => l.startsWith("  hit rate"))).toBeLessThan(
      lines.findIndex((l) => l.startsWith("  cost")),
    );
    expect(lines.findIndex((l) => l.startsWith("  cost"))).toBeLessThan(
      lines.findIndex((l) => l.startsWith("Worst groups")),
    );
    expect(lines.every((l) => l.length <= 80)).toBe(true);
  });

  it("without a plan: totals only, said in the header", () => {
    expect(renderReportText(bare).split("\n")[0]).toBe(
      "Report: 1 of 2 results succeeded (no plan: totals only); 2 models",
    );
  });
});

describe("renderReportMarkdown", () => {
  it("is a heading, a bold verdict and tables", () => {
    const md = renderReportMarkdown(full);
    expect(md.startsWith("## cacheplan report\n\n**Caching worked:")).toBe(true);
    expect(md).toContain("| tokens | 264 | 690 | 2,440 | 4,880 | 132 |");
    expect(md).toContain("### Worst groups (2 of 2)");
    expect(md).toContain("### Calibration (`tiktoken-estimate`)");
  });
});

describe("renderReportHtml", () => {
  const html = renderReportHtml(full);

  it("is one self-contained file: inline CSS and SVG, no script, no external resource", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/\s(src|href)=/i);
    // The only URL in an attribute is the SVG namespace, which is never fetched (notes may cite
    // documentation pages in their text).
    expect([...html.matchAll(/=\s*"(https?:\/\/[^"]*)"/g)].map((m) => m[1])).toEqual([
      "http://www.w3.org/2000/svg",
      "http://www.w3.org/2000/svg",
    ]);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it("draws the hit rate per group and a five-step cost waterfall", () => {
    expect(html.match(/<rect class="bar"/g)).toHaveLength(2);
    expect(html.match(/<rect class="bar (total|up|down|same)"/g)).toHaveLength(5);
    for (const label of ["standard", "batch", "estimated", "actual", "ideal"])
      expect(html).toContain(`text-anchor="middle">${label}</text>`);
  });

  it("escapes everything that comes from the results", () => {
    const page = renderReportHtml(bare);
    expect(page).not.toContain("<i>odd_error</i>");
    expect(page).toContain("&lt;i&gt;odd_error&lt;/i&gt;");
    // Without an estimate the waterfall has three steps: standard, batch, actual.
    expect(page.match(/<rect class="bar (total|up|down|same)"/g)).toHaveLength(3);
  });
});
