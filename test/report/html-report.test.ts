/**
 * The HTML report's content (issue 11 item 8): the waterfall's percentages are the summary's, its
 * colours agree with their signs, small changes stay visible on a USD axis; notes render `code`;
 * the header names the version, plan and date; tables scroll inside their own box.
 */
import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { estimate, readJsonl, readPlan, renderReportHtml, report } from "../../src/index.js";
import { usdFormatter } from "../../src/report/_format.js";
import { costLine } from "../../src/report/_summary.js";
import { axisTicks, MIN_STEP_HEIGHT, waterfallChart } from "../../src/report/_svg.js";
import { changeText, inlineHtml, waterfallSteps } from "../../src/report/render-html.js";
import { VERSION } from "../../src/version.js";

const FIXTURES = "test/fixtures/report";
const plan = await readPlan(`${FIXTURES}/plan`);
const full = await report(
  (async function* () {
    yield* readJsonl(`${FIXTURES}/complete/wave-0.jsonl`);
    yield* readJsonl(`${FIXTURES}/complete/wave-1.jsonl`);
  })(),
  { plan, estimate: await estimate(plan) },
);
const usd = usdFormatter(full.overall.cost.standard);

/** Each bar of a waterfall: its kind, height, and the change printed above it. */
function bars(svg: string) {
  return [...svg.matchAll(/<g class="step">([\s\S]*?)<\/g>/g)].map((m) => {
    const rect = /<rect class="bar (\w+)"[^>]* height="([\d.]+)"/.exec(m[1]!)!;
    const change = (/<text class="change[^"]*"[^>]*>([^<]*)</.exec(m[1]!)?.[1] ?? "").replace(
      /&lt;/g,
      "<",
    );
    return { kind: rect[1]!, height: Number(rect[2]), change };
  });
}

describe("the cost waterfall", () => {
  it("prints the summary's variance on the actual step (+8.5% on the fixture, not +3%)", () => {
    const steps = waterfallSteps(full, usd);
    expect(steps.map((s) => s.label)).toEqual([
      "standard",
      "batch",
      "estimated",
      "actual",
      "ideal",
    ]);
    const headline = /\(([+-][\d.]+%),/.exec(costLine(full.overall, usd))![1];
    expect(headline).toBe("+8.5%");
    expect(steps.find((s) => s.label === "actual")!.change).toBe(headline);
    // Every step is a figure of the summary, and its change is computed from those figures.
    const vs = full.overall.vsEstimate!;
    expect(steps.map((s) => s.value)).toEqual([
      full.overall.cost.standard,
      full.overall.cost.batch,
      vs.planned.usd,
      full.overall.usd,
      vs.ideal.usdAtActualTokens,
    ]);
    expect(steps[1]!.change).toBe(
      changeText(
        ((full.overall.cost.batch - full.overall.cost.standard) / full.overall.cost.standard) * 100,
      ),
    );
  });

  it("never prints a red 0%: a change below 0.05% reads +<0.1% or -<0.1%", () => {
    expect(changeText(0.03)).toBe("+<0.1%");
    expect(changeText(-0.001)).toBe("-<0.1%");
    expect(changeText(0)).toBe("0.0%");
    expect(changeText(8.5458)).toBe("+8.5%");
    const svg = waterfallChart([
      { label: "a", value: 1, text: "$1", change: "", title: "a" },
      { label: "b", value: 1.0000001, text: "$1", change: changeText(0.00001), title: "b" },
    ]);
    expect(bars(svg)[1]).toEqual({ kind: "up", height: MIN_STEP_HEIGHT, change: "+<0.1%" });
  });

  it("colours every step by its sign and keeps every change visible (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1e-6, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 6 }),
        (values) => {
          const svg = waterfallChart(
            values.map((value, i) => ({
              label: `s${i}`,
              value,
              text: String(value),
              change: i === 0 ? "" : changeText(((value - values[i - 1]!) / values[i - 1]!) * 100),
              title: "",
            })),
          );
          for (const [i, bar] of bars(svg).entries()) {
            if (i === 0) continue;
            const expected =
              values[i]! > values[i - 1]! ? "up" : values[i]! < values[i - 1]! ? "down" : "same";
            expect(bar.kind).toBe(expected);
            if (expected === "up") expect(bar.change.startsWith("+")).toBe(true);
            if (expected === "down") expect(bar.change.startsWith("-")).toBe(true);
            if (expected !== "same") expect(bar.height).toBeGreaterThanOrEqual(MIN_STEP_HEIGHT);
          }
        },
      ),
    );
  });

  it("has a USD axis whose round ticks reach the largest figure (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-7, max: 1e6, noNaN: true }), (max) => {
        const { ticks, decimals } = axisTicks(max);
        expect(ticks[0]).toBe(0);
        expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(max);
        expect(ticks.length).toBeLessThanOrEqual(6);
        const labels = ticks.map((t) => t.toFixed(decimals));
        expect(new Set(labels).size).toBe(ticks.length);
      }),
    );
    const html = renderReportHtml(full);
    const ticks = [...html.matchAll(/<text class="axis tick"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(ticks).toEqual(["$0.00", "$0.01", "$0.02", "$0.03", "$0.04"]);
  });
});

describe("the page", () => {
  it("renders `code` in notes as <code>, escaped, with no backtick left", () => {
    expect(inlineHtml("use `a<b>` & `c`")).toBe("use <code>a&lt;b&gt;</code> &amp; <code>c</code>");
    expect(inlineHtml("a lone ` stays")).toBe("a lone ` stays");
    const html = renderReportHtml(full);
    const notes = /<h2>Notes<\/h2><ul>([\s\S]*?)<\/ul>/.exec(html.replace(/\n/g, ""))![1]!;
    expect(full.notes.join("")).toContain("`");
    expect(notes).toContain("<code>input</code>");
    expect(notes).not.toContain("`");
  });

  it("names the cacheplan version, the plan and the results' date in its header", async () => {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const html = renderReportHtml(full, {
      planPath: "jobs/<plan>/",
      date: "2026-11-22T10:20:41.512Z",
    });
    expect(html).toContain(
      `<p class="meta" id="report-meta">cacheplan ${VERSION} · plan <code>jobs/&lt;plan&gt;/</code> · results of 2026-11-22 10:20 UTC</p>`,
    );
    // Without them, only the version: nothing from the clock.
    expect(renderReportHtml(full)).toContain(`id="report-meta">cacheplan ${VERSION}</p>`);
    expect(renderReportHtml(full)).toBe(renderReportHtml(full));
  });

  it("puts every table in a box that scrolls sideways on a narrow screen", () => {
    const html = renderReportHtml(full);
    const tables = html.match(/<table>/g)!.length;
    expect(tables).toBeGreaterThan(3);
    expect(html.match(/<div class="table-wrap"><table>/g)).toHaveLength(tables);
    expect(html).toMatch(/\.table-wrap\{[^}]*overflow-x:auto/);
  });
});
