/**
 * The HTML report in a real browser: headless Chromium (Debian's `chromium` package) opens the
 * file, and the test reads its text and measures the page as laid out, at desktop width and at a
 * phone's 375 px. Chromium is required: without it this test fails and says how to install it.
 * Not part of `npm test`: `npm run test:browser` runs it (vitest.browser.config.ts; CI installs
 * Chromium and runs it after `npm test`).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { estimate, readJsonl, readPlan, renderReportHtml, report } from "../../src/index.js";
import { VERSION } from "../../src/version.js";

const CHROMIUM = "/usr/bin/chromium";
const INSTALL = "apt-get update && apt-get install -y chromium";
const FIXTURES = "test/fixtures/report";

const run = promisify(execFile);
const dir = await mkdtemp(path.join(tmpdir(), "cacheplan-html-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The page's DOM after load, as Chromium serialises it. */
async function dumpDom(file: string, width = 1100): Promise<string> {
  const { stdout } = await run(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${path.join(dir, "profile")}`,
      `--window-size=${width},2000`,
      // Lets the measured page's frame post its measures before the DOM is dumped.
      "--virtual-time-budget=5000",
      "--dump-dom",
      `file://${file}`,
    ],
    { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
  );
  return stdout;
}

/** Text content of an element with `id`, tags stripped and entities of the report decoded. */
function textOf(dom: string, id: string): string {
  const match = new RegExp(`<([a-z]+)[^>]*id="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(dom);
  return (match?.[2] ?? "")
    .replace(/<[^>]+>/g, "")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"');
}

/**
 * A script for the test copy only (the report itself has none, and its Content-Security-Policy
 * would block one): after layout, it writes each chart bar's rendered size into the DOM, and the
 * page's measures as JSON into `#measures`.
 */
const MEASURE = `<script>
addEventListener("load", () => {
  const visible = (e) => { const b = e.getBoundingClientRect(); return b.width > 0 && b.height > 0; };
  const waterfall = document.getElementById("cost-waterfall");
  const measures = {
    viewport: window.innerWidth,
    bars: [...document.querySelectorAll("svg .bar")].map((b) => {
      const box = b.getBoundingClientRect();
      return [box.width, box.height];
    }),
    pageWidth: document.documentElement.scrollWidth,
    waterfallWidth: waterfall.getBoundingClientRect().width,
    ticks: [...waterfall.querySelectorAll(".tick")].filter(visible).map((t) => t.textContent),
    steps: [...waterfall.querySelectorAll(".step")].map((g) => ({
      label: g.querySelector(".label").textContent,
      kind: g.querySelector(".bar").getAttribute("class").split(" ")[1],
      colour: getComputedStyle(g.querySelector(".bar")).fill,
      height: g.querySelector(".bar").getBoundingClientRect().height,
      change: g.querySelector(".change")?.textContent ?? "",
    })),
    tablesOutsideWrap: [...document.querySelectorAll("table")].filter(
      (t) => !t.parentElement.classList.contains("table-wrap")).length,
    wrapsOverflowing: [...document.querySelectorAll(".table-wrap")].filter(
      (w) => w.getBoundingClientRect().right > window.innerWidth + 0.5).length,
    notesCode: [...document.querySelectorAll("h2 + ul code")].length,
  };
  parent.postMessage(JSON.stringify(measures), "*");
});
</script>`;

/**
 * The page that holds the measured copy in a frame `width` px wide: headless Chromium's window is
 * at least 500 px, so a phone's width is a frame's. It writes the frame's measures into its DOM.
 */
const frame = (src: string, width: number) => `<!doctype html><html><body style="margin:0">
<iframe src="${src}" width="${width}" height="1800" style="border:0;display:block"></iframe>
<pre id="measures"></pre>
<script>
addEventListener("message", (event) => {
  document.getElementById("measures").textContent = event.data;
  document.body.setAttribute("data-measured", "yes");
});
</script></body></html>`;

interface Measures {
  viewport: number;
  bars: Array<[number, number]>;
  pageWidth: number;
  waterfallWidth: number;
  ticks: string[];
  steps: Array<{ label: string; kind: string; colour: string; height: number; change: string }>;
  tablesOutsideWrap: number;
  wrapsOverflowing: number;
  notesCode: number;
}

const OPTIONS = { planPath: "test/fixtures/report/plan", date: "2026-11-22T10:20:41.512Z" };

async function fixtureHtml(): Promise<string> {
  const plan = await readPlan(`${FIXTURES}/plan`);
  const result = await report(
    (async function* () {
      yield* readJsonl(`${FIXTURES}/complete/wave-0.jsonl`);
      yield* readJsonl(`${FIXTURES}/complete/wave-1.jsonl`);
    })(),
    { plan, estimate: await estimate(plan) },
  );
  expect(result.complete).toBe(true);
  return renderReportHtml(result, OPTIONS);
}

/** The page laid out at `width`, with the measuring script: its DOM and its measures. */
async function measure(html: string, width: number): Promise<{ m: Measures }> {
  const page = `measured-${width}.html`;
  const file = path.join(dir, `frame-${width}.html`);
  await writeFile(file, frame(page, width));
  await writeFile(
    path.join(dir, page),
    html
      .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, "")
      .replace("</body>", `${MEASURE}</body>`),
  );
  const dom = await dumpDom(file, Math.max(width + 40, 600));
  expect(dom).toContain('data-measured="yes"');
  const json = /<pre id="measures">([\s\S]*?)<\/pre>/.exec(dom)?.[1] ?? "{}";
  return { m: JSON.parse(json.replace(/&quot;/g, '"').replace(/&amp;/g, "&")) as Measures };
}

const RED = "rgb(194, 65, 45)";
const GREEN = "rgb(31, 138, 76)";

describe("the HTML report in headless Chromium", () => {
  it(`needs Chromium at ${CHROMIUM}`, () => {
    expect(
      existsSync(CHROMIUM),
      `Chromium is not installed at ${CHROMIUM}; install it with \`${INSTALL}\` (as root).`,
    ).toBe(true);
  });

  it("opens the report, shows its verdict, header and hit rate, and draws the charts", {
    timeout: 120_000,
  }, async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium is not installed at ${CHROMIUM}; install it with \`${INSTALL}\`.`);
    const html = await fixtureHtml();
    const file = path.join(dir, "report.html");
    await writeFile(file, html);

    // The report as written: its text, as the browser has it.
    const dom = await dumpDom(file);
    expect(textOf(dom, "verdict")).toBe(
      "Caching worked: 100% of the ideal hit rate, 89% of the ideal saving.",
    );
    expect(textOf(dom, "report-meta")).toBe(
      `cacheplan ${VERSION} · plan test/fixtures/report/plan · results of 2026-11-22 10:20 UTC`,
    );
    expect(textOf(dom, "hit-rate")).toMatch(/^59\.0% of input tokens read from cache/);
    expect(textOf(dom, "cost")).toMatch(/actual vs \$[\d.]+ estimated \(\+8\.5%/);
    expect(dom).toContain('id="hit-rate-chart"');
    expect(dom).toContain('id="cost-waterfall"');
  });

  for (const width of [1100, 375]) {
    it(`lays the page out at ${width} px: visible bars that agree with the summary, an axis, no sideways overflow`, {
      timeout: 120_000,
    }, async () => {
      if (!existsSync(CHROMIUM))
        throw new Error(
          `Chromium is not installed at ${CHROMIUM}; install it with \`${INSTALL}\`.`,
        );
      const html = await fixtureHtml();
      const { m } = await measure(html, width);
      expect(m.viewport).toBeLessThanOrEqual(width);
      expect(m.viewport).toBeGreaterThan(width * 0.8);
      // No horizontal page overflow: wide tables scroll inside their own box.
      expect(m.pageWidth).toBeLessThanOrEqual(m.viewport);
      expect(m.tablesOutsideWrap).toBe(0);
      expect(m.wrapsOverflowing).toBe(0);
      expect(m.waterfallWidth).toBeLessThanOrEqual(m.viewport);

      // Every bar is laid out with a non-zero size: two group bars, five waterfall steps.
      expect(m.bars).toHaveLength(7);
      for (const [w, h] of m.bars) {
        expect(w).toBeGreaterThan(0);
        expect(h).toBeGreaterThan(0);
      }

      // The waterfall: the summary's figures, the headline's +8.5% on "actual", colours that
      // agree with the signs, even the smallest change visible, and a USD axis.
      expect(m.steps.map((s) => s.label)).toEqual([
        "standard",
        "batch",
        "estimated",
        "actual",
        "ideal",
      ]);
      const actual = m.steps.find((s) => s.label === "actual")!;
      expect(actual.change).toBe("+8.5%");
      for (const step of m.steps.slice(1)) {
        if (step.change.startsWith("+")) expect([step.kind, step.colour]).toEqual(["up", RED]);
        if (step.change.startsWith("-")) expect([step.kind, step.colour]).toEqual(["down", GREEN]);
        expect(step.height).toBeGreaterThanOrEqual(width < 600 ? 2.5 : 5);
      }
      expect(m.ticks).toEqual(["$0.00", "$0.01", "$0.02", "$0.03", "$0.04"]);
      // Notes and definitions show code, not backticks.
      expect(m.notesCode).toBeGreaterThan(0);
      const notes = /<h2>Notes<\/h2>\s*<ul>([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? "";
      expect(notes).toContain("<code>");
      expect(notes).not.toContain("`");
    });
  }
});
