import { VERSION } from "../version.js";
import { int, pct, signedPct, tokenTable, usdFormatter } from "./_format.js";
import {
  costLine,
  countsLine,
  excessOf,
  hitRateLine,
  whatHappened,
  worstGroups,
  writesLine,
} from "./_summary.js";
import { esc, hitRateChart, type WaterfallStep, waterfallChart } from "./_svg.js";
import { formatProblem } from "./problems.js";
import type { GroupReport, Report, ReportFigures } from "./types.js";

/** Options of `renderReportHtml`. */
export interface RenderHtmlOptions {
  /** Most groups in the chart and the table, worst first. @default 40 */
  maxGroups?: number;
  /** The page title. @default "cacheplan report" */
  title?: string;
  /** The plan folder, as the reader knows it, shown in the header. @default undefined (not shown) */
  planPath?: string;
  /**
   * When the results are from (ISO 8601), shown in the header: take it from the run (e.g. the
   * last batch's `ended_at` in run.json), not the clock, so the same input renders the same page.
   * @default undefined (not shown)
   */
  date?: string;
}

const STYLE = `
:root{color-scheme:light;--fg:#1d2330;--muted:#5b6475;--line:#d9dee7;--bar:#3b6fd8;--track:#edf1f7;--ok:#1f8a4c;--bad:#c2412d;--warn:#b7791f}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fafbfc}
main{max-width:980px;margin:0 auto;padding:28px 24px 48px}h1{font-size:24px;margin:0 0 12px}h2{font-size:18px;margin:32px 0 10px}
.verdict{font-size:20px;font-weight:600;padding:12px 16px;border-radius:8px;border-left:6px solid var(--muted);background:#fff}
.verdict.worked{border-color:var(--ok)}.verdict.partly-worked{border-color:var(--warn)}.verdict.did-not-work{border-color:var(--bad)}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:16px 0}dl.summary dt{font-weight:600;color:var(--muted)}dl.summary dd{margin:0}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:right;vertical-align:top}
.table-wrap{max-width:100%;overflow-x:auto;margin:0 0 8px}
th:first-child,td:first-child,td.text,th.text{text-align:left}th{color:var(--muted);font-weight:600}code{font-size:13px}td code{white-space:nowrap}
.chart{max-width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:8px;font-family:inherit}
.chart text{font-size:12px;fill:var(--fg)}.chart .axis{fill:var(--muted);font-size:11px}.chart .grid{stroke:var(--line)}
.chart .track{fill:var(--track)}#hit-rate-chart .bar{fill:var(--bar)}.chart .ideal{stroke:var(--fg);stroke-width:2}
.chart .baseline{stroke:var(--muted)}.chart .connector{stroke:var(--muted);stroke-dasharray:3 3}
#cost-waterfall .total{fill:#7d8799}#cost-waterfall .down{fill:var(--ok)}#cost-waterfall .up{fill:var(--bad)}
#cost-waterfall .same{fill:#7d8799}.chart .change.up{fill:var(--bad)}.chart .change.down{fill:var(--ok)}
.meta{color:var(--muted);font-size:13px;margin:-6px 0 14px}p,li,dd,h1,h2{overflow-wrap:anywhere}
td.text:last-child{min-width:16em}
@media (max-width:640px){main{padding:16px 12px 32px}#cost-waterfall text{font-size:17px}dl.summary{grid-template-columns:1fr;gap:2px}dl.summary dd{margin-bottom:8px}}
.legend{color:var(--muted);font-size:13px;margin:6px 0}.problems li{color:var(--bad)}ul{padding-left:20px}footer{margin-top:40px;color:var(--muted);font-size:12px}
`;

function table(head: string[], rows: string[][], textColumns: number[] = []): string {
  const cls = (i: number) => (textColumns.includes(i) ? ' class="text"' : "");
  return `<div class="table-wrap"><table><thead><tr>${head.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join("")}</tr>`)
    .join("")}</tbody></table></div>`;
}

function figureTable(
  name: string,
  rows: Array<[string, ReportFigures]>,
  usd: (v: number) => string,
): string {
  return table(
    [
      name,
      "succeeded",
      "hit rate",
      "cacheable read",
      "reads",
      "writes",
      "USD",
      "estimated",
      "vs estimate",
    ],
    rows.map(([label, f]) => {
      const r = f.requests;
      const vs = f.vsEstimate;
      return [
        esc(label),
        `${r.succeeded}/${r.succeeded + r.errored + r.canceled + r.expired + r.missing}`,
        pct(f.hitRate),
        pct(f.cacheableHitRate),
        int(f.requestsWithReads),
        int(f.requestsWithWrites),
        usd(f.usd),
        vs ? usd(vs.planned.usd) : "—",
        vs ? signedPct(vs.variancePercent) : "—",
      ];
    }),
  );
}

/** Escaped text with each `code` span as <code>: notes and problems are written that way. */
export function inlineHtml(text: string): string {
  return esc(text).replace(/`([^`\n]+)`/g, "<code>$1</code>");
}

/** `2026-11-22 10:20 UTC` from an ISO 8601 time; anything else as given. */
function shownDate(date: string): string {
  const time = Date.parse(date);
  return Number.isNaN(time)
    ? date
    : `${new Date(time).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * A change as the headline prints it ("+8.5%", one decimal), from the same USD figures; a change
 * that rounds to 0.0% but is not 0 is "+<0.1%" or "-<0.1%", so its sign agrees with its colour.
 */
export function changeText(percent: number | null): string {
  if (percent === null) return "";
  if (percent !== 0 && Math.abs(percent) < 0.05) return percent > 0 ? "+<0.1%" : "-<0.1%";
  return signedPct(percent);
}

/**
 * The waterfall's steps, every one a USD figure of the summary above it: the cost without caching
 * (Messages API, then batches), the estimate, the actual cost, and the ideal at the actual
 * tokens. Each step's percentage is its change from the step before, computed from those figures;
 * actual against the estimate is the Cost line's variance itself.
 */
export function waterfallSteps(report: Report, usd: (v: number) => string): WaterfallStep[] {
  const o = report.overall;
  const vs = o.vsEstimate;
  const raw: Array<{ label: string; value: number; what: string; percent?: number | null }> = [
    { label: "standard", value: o.cost.standard, what: "Messages API, no caching, actual tokens" },
    { label: "batch", value: o.cost.batch, what: "Batches API, no caching, actual tokens" },
  ];
  if (vs)
    raw.push({
      label: "estimated",
      value: vs.planned.usd,
      what: `the estimate of the plan (${usd(vs.planned.usdAtActualTokens)} at the actual tokens)`,
    });
  raw.push({
    label: "actual",
    value: o.usd,
    what: "billed, from each result's usage",
    ...(vs ? { percent: vs.variancePercent } : {}),
  });
  if (vs)
    raw.push({
      label: "ideal",
      value: vs.ideal.usdAtActualTokens,
      what: "each entry written once and read by every other request, at the actual tokens",
    });
  return raw.map(({ label, value, what, percent }, i) => {
    const previous = i > 0 ? raw[i - 1]!.value : undefined;
    const change =
      percent !== undefined
        ? percent
        : previous === undefined || previous === 0
          ? null
          : ((value - previous) / previous) * 100;
    return {
      label,
      value,
      text: usd(value),
      change: changeText(change),
      title: `${label}: ${usd(value)}${change === null ? "" : ` (${changeText(change)} on ${raw[i - 1]!.label})`}: ${what}`,
    };
  });
}

/** The header line: which cacheplan wrote it, for which plan, from results of when. */
function metaLine(options: RenderHtmlOptions): string {
  const parts = [`cacheplan ${esc(VERSION)}`];
  if (options.planPath !== undefined) parts.push(`plan <code>${esc(options.planPath)}</code>`);
  if (options.date !== undefined) parts.push(`results of ${esc(shownDate(options.date))}`);
  return `<p class="meta" id="report-meta">${parts.join(" · ")}</p>`;
}

/**
 * The report as one self-contained HTML page: inline CSS and inline SVG charts drawn at render
 * time (hit rate per group, and a cost waterfall standard → batch → planned → actual → ideal), no
 * script, font or network request, so it opens anywhere. Pure: the CLI writes it.
 */
export function renderReportHtml(report: Report, options: RenderHtmlOptions = {}): string {
  const usd = usdFormatter(report.overall.cost.standard);
  const title = options.title ?? "cacheplan report";
  const top = worstGroups(report).slice(0, options.maxGroups ?? 40);
  const kinds = tokenTable(report.overall.tokens, report.overall.usdByKind, usd);
  const body: string[] = [
    ...summarySection(report, options, title, usd),
    ...chartSections(report, top, usd),
    "<h2>Tokens</h2>",
    table(kinds.header, kinds.rows),
    ...worstGroupSection(top, usd),
    ...breakdownSections(report, usd),
    ...appendixSections(report),
    "<footer>Written by cacheplan report. Self-contained: no script, font or network request.</footer>",
  ];
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title><style>${STYLE.trim()}</style></head>`,
    `<body><main>${body.join("\n")}</main></body></html>`,
    "",
  ].join("\n");
}

type Usd = ReturnType<typeof usdFormatter>;

/** Title, meta line, verdict and the summary list. */
function summarySection(
  report: Report,
  options: RenderHtmlOptions,
  title: string,
  usd: Usd,
): string[] {
  const o = report.overall;
  const verdict = report.verdict.text;
  const body: string[] = [
    `<h1>${esc(title)}</h1>`,
    metaLine(options),
    `<p class="verdict ${report.verdict.kind}" id="verdict">${esc(verdict.charAt(0).toUpperCase() + verdict.slice(1))}</p>`,
    '<dl class="summary">',
    `<dt>Hit rate</dt><dd id="hit-rate">${esc(hitRateLine(o))}</dd>`,
    `<dt>Cost</dt><dd id="cost">${esc(costLine(o, usd))}</dd>`,
  ];
  if (o.vsEstimate) {
    const s = o.vsEstimate.savingOverIdeal;
    body.push(
      `<dt>Ideal</dt><dd>${esc(`${usd(o.vsEstimate.ideal.usdAtActualTokens)} at actual tokens; ${s === null ? "the ideal saves nothing" : `${pct(s, 0)} of the ideal saving achieved`}`)}</dd>`,
    );
  }
  const writes = writesLine(report);
  if (writes) body.push(`<dt>Writes</dt><dd>${esc(writes)}</dd>`);
  body.push(`<dt>Results</dt><dd>${esc(countsLine(o))}</dd>`, "</dl>");
  return body;
}

/** The cost waterfall, and the hit rate of the worst groups. */
function chartSections(report: Report, top: readonly GroupReport[], usd: Usd): string[] {
  const bars = report.overall.vsEstimate
    ? "the cost without caching on the Messages API and in batches, the estimate, the actual cost, and the ideal"
    : "the cost without caching on the Messages API and in batches, and the actual cost";
  const body = [
    "<h2>Cost waterfall</h2>",
    waterfallChart(waterfallSteps(report, usd)),
    `<p class="legend">The USD figures of the summary: ${bars}. Each percentage is the change from the step before. Green: cheaper than the step before; red: dearer; grey: the same.</p>`,
  ];
  if (top.length > 0) {
    body.push(
      `<h2>Hit rate per group${top.length < report.groups.length ? ` (worst ${top.length} of ${report.groups.length})` : ""}</h2>`,
      hitRateChart(
        top.map((g) => ({
          label: `${g.id} ${g.model}`,
          value: g.hitRate,
          ideal: g.vsEstimate?.ideal.hitRate ?? null,
          title: `${g.id}: ${pct(g.hitRate)} of input tokens read${g.vsEstimate ? `, ideal ${pct(g.vsEstimate.ideal.hitRate)}` : ""}`,
        })),
      ),
      '<p class="legend">Bar: share of input tokens read from cache. Tick: the ideal (each entry written once).</p>',
    );
  }
  return body;
}

/** The worst groups' table, with what happened in each. */
function worstGroupSection(top: readonly GroupReport[], usd: Usd): string[] {
  if (top.length === 0) return [];
  return [
    "<h2>Worst groups</h2>",
    table(
      ["group", "model", "succeeded", "hit rate", "ideal", "USD", "vs ideal", "what happened"],
      top.map((g) => {
        const c = g.counts;
        const extra = excessOf(g);
        return [
          esc(g.id),
          `<code>${esc(g.model)}</code>`,
          `${c.succeeded}/${c.succeeded + c.errored + c.canceled + c.expired + c.missing}`,
          pct(g.hitRate),
          g.vsEstimate ? pct(g.vsEstimate.ideal.hitRate) : "—",
          usd(g.usd),
          extra === null ? "—" : `${extra >= 0 ? "+" : ""}${usd(extra)}`,
          esc(whatHappened(g).join("; ")),
        ];
      }),
      [0, 1, 7],
    ),
  ];
}

/** By model, by wave and by batch. */
function breakdownSections(report: Report, usd: Usd): string[] {
  const body = [
    "<h2>By model</h2>",
    figureTable(
      "model",
      report.models.map((m) => [m.model, m]),
      usd,
    ),
  ];
  if (report.waves.length > 0)
    body.push(
      "<h2>By wave</h2>",
      figureTable(
        "wave",
        report.waves.map((w) => [String(w.wave), w]),
        usd,
      ),
    );
  if (report.batches.length > 0)
    body.push(
      "<h2>By batch</h2>",
      figureTable(
        "batch",
        report.batches.map((b) => [`${b.index} (wave ${b.wave})`, b]),
        usd,
      ),
    );
  return body;
}

/** Definitions, calibration, problems and notes. */
function appendixSections(report: Report): string[] {
  const body = [
    "<h2>Hit rates, defined</h2><ul>",
    ...Object.entries(report.definitions).map(
      ([k, v]) => `<li><code>${esc(k)}</code>: ${inlineHtml(v)}</li>`,
    ),
    "</ul>",
  ];
  if (report.calibration && Object.keys(report.calibration.models).length > 0) {
    body.push(
      `<h2>Calibration (<code>${esc(report.calibration.counter)}</code>)</h2>`,
      table(
        ["model", "requests", "actual input", "estimated input", "factor"],
        Object.entries(report.calibration.models).map(([m, c]) => [
          `<code>${esc(m)}</code>`,
          int(c.requests),
          int(c.actualInputTokens),
          int(c.estimatedInputTokens),
          c.factor.toFixed(4),
        ]),
      ),
    );
  }
  if (report.problems.length > 0) {
    body.push(`<h2>Problems (${report.problems.length})</h2><ul class="problems">`);
    for (const p of report.problems)
      body.push(`<li>${formatProblem(p).map(inlineHtml).join("<br>")}</li>`);
    body.push("</ul>");
  }
  if (report.notes.length > 0)
    body.push(
      "<h2>Notes</h2><ul>",
      ...report.notes.map((n) => `<li>${inlineHtml(n)}</li>`),
      "</ul>",
    );
  return body;
}
