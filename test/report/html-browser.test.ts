/**
 * The HTML report in a real browser: headless Chromium (Debian's `chromium` package) opens the
 * file, and the test reads its text and measures the chart's bars as laid out. Chromium is
 * required: without it this test fails and says how to install it (CI installs it).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { estimate, readJsonl, readPlan, renderReportHtml, report } from "../../src/index.js";

const CHROMIUM = "/usr/bin/chromium";
const INSTALL = "apt-get update && apt-get install -y chromium";
const FIXTURES = "test/fixtures/report";

const run = promisify(execFile);
const dir = await mkdtemp(path.join(tmpdir(), "cacheplan-html-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The page's DOM after load, as Chromium serialises it. */
async function dumpDom(file: string): Promise<string> {
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
      "--window-size=1100,2000",
      "--dump-dom",
      `file://${file}`,
    ],
    { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
  );
  return stdout;
}

/** Text content of an element with `id`, tags stripped and entities of the report decoded. */
function textOf(dom: string, id: string): string {
  const match = new RegExp(`<[a-z]+[^>]*id="${id}"[^>]*>([\\s\\S]*?)</`).exec(dom);
  return (match?.[1] ?? "")
    .replace(/<[^>]+>/g, "")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"');
}

/**
 * A script for the test copy only (the report itself has none, and its Content-Security-Policy
 * would block one): after layout, it writes each chart bar's rendered size into the DOM.
 */
const MEASURE = `<script>
addEventListener("load", () => {
  for (const bar of document.querySelectorAll("svg .bar")) {
    const box = bar.getBoundingClientRect();
    bar.setAttribute("data-rendered", box.width.toFixed(1) + "x" + box.height.toFixed(1));
  }
  document.body.setAttribute("data-measured", "yes");
});
</script>`;

describe("the HTML report in headless Chromium", () => {
  it(`needs Chromium at ${CHROMIUM}`, () => {
    expect(
      existsSync(CHROMIUM),
      `Chromium is not installed at ${CHROMIUM}; install it with \`${INSTALL}\` (as root).`,
    ).toBe(true);
  });

  it("opens the report, shows its verdict and hit rate, and draws the charts", {
    timeout: 120_000,
  }, async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium is not installed at ${CHROMIUM}; install it with \`${INSTALL}\`.`);
    const plan = await readPlan(`${FIXTURES}/plan`);
    const result = await report(
      (async function* () {
        yield* readJsonl(`${FIXTURES}/complete/wave-0.jsonl`);
        yield* readJsonl(`${FIXTURES}/complete/wave-1.jsonl`);
      })(),
      { plan, estimate: await estimate(plan) },
    );
    expect(result.complete).toBe(true);
    const html = renderReportHtml(result);
    const file = path.join(dir, "report.html");
    await writeFile(file, html);

    // The report as written: its text, as the browser has it.
    const dom = await dumpDom(file);
    expect(textOf(dom, "verdict")).toBe(
      "Caching worked: 100% of the ideal hit rate, 89% of the ideal saving.",
    );
    expect(textOf(dom, "hit-rate")).toMatch(/^59\.0% of input tokens read from cache/);
    expect(textOf(dom, "cost")).toMatch(/actual vs \$[\d.]+ estimated/);
    expect(dom).toContain('id="hit-rate-chart"');
    expect(dom).toContain('id="cost-waterfall"');

    // A copy with a measuring script: every bar is laid out with a non-zero size.
    const measured = path.join(dir, "measured.html");
    await writeFile(
      measured,
      html
        .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, "")
        .replace("</body>", `${MEASURE}</body>`),
    );
    const laid = await dumpDom(measured);
    expect(laid).toContain('data-measured="yes"');
    const sizes = [...laid.matchAll(/class="bar[^"]*"[^>]*data-rendered="([\d.]+)x([\d.]+)"/g)].map(
      (m) => [Number(m[1]), Number(m[2])],
    );
    // Two group bars and five waterfall steps (standard, batch, planned, actual, ideal).
    expect(sizes).toHaveLength(7);
    for (const [w, h] of sizes) {
      expect(w).toBeGreaterThan(0);
      expect(h).toBeGreaterThan(0);
    }
  });
});
