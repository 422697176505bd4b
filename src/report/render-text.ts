import { cell, int, pct, plural, signedPct, signedUsd, usdFormatter, wrap } from "./_format.js";
import {
  costLine,
  countsLine,
  excessOf,
  hitRateLine,
  whatHappened,
  worstGroups,
  writesLine,
} from "./_summary.js";
import { formatProblem } from "./problems.js";
import type { Report, ReportFigures } from "./types.js";

/** Options of `renderReportText`. */
export interface RenderTextOptions {
  /** Most groups listed, worst first. @default 10 */
  maxGroups?: number;
  /** Most batches listed one by one; above it, only waves. @default 20 */
  maxBatches?: number;
  /** Width to wrap sentences to. @default 80 */
  width?: number;
}

function header(report: Report): string {
  const o = report.overall.requests;
  const planned = o.succeeded + o.errored + o.canceled + o.expired + o.missing;
  const parts = [plural(report.models.length, "model")];
  if (report.ungrouped !== null) {
    parts.push(plural(report.groups.length, "group"));
    parts.push(plural(report.waves.length, "wave"));
    parts.push(plural(report.batches.length, "batch", "batches"));
  }
  const what =
    report.ungrouped === null
      ? `${int(o.succeeded)} of ${plural(planned, "result")} succeeded (no plan: totals only)`
      : `${int(o.succeeded)} of ${plural(planned, "request")} succeeded`;
  return `Report: ${what}; ${parts.join(", ")}`;
}

function labelled(label: string, text: string, width: number): string[] {
  return wrap(text, width, `  ${label.padEnd(9)} `, " ".repeat(12));
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function figuresRow(name: string, f: ReportFigures, usd: (v: number) => string): string {
  const r = f.requests;
  const total = r.succeeded + r.errored + r.canceled + r.expired + r.missing;
  const vs = f.vsEstimate;
  return `  ${cell(name, 20, true)}${cell(`${r.succeeded}/${total}`, 10)}${cell(pct(f.hitRate), 9)}${cell(int(f.requestsWithReads), 7)}${cell(int(f.requestsWithWrites), 7)}${cell(usd(f.usd), 12)}${cell(vs ? signedPct(vs.variancePercent) : "—", 10)}`;
}

function figuresHead(name: string): string {
  return `  ${cell(name, 20, true)}${cell("succeeded", 10)}${cell("hit rate", 9)}${cell("reads", 7)}${cell("writes", 7)}${cell("USD", 12)}${cell("vs est.", 10)}`;
}

/**
 * The report as text for an 80-column terminal. Summary first (a one-line verdict, the hit rate,
 * cost against the estimate), then the worst groups with their miss attribution, then per model,
 * wave and batch, the hit rates' definitions, calibration, problems and notes. Pure: the CLI
 * prints it.
 */
export function renderReportText(report: Report, options: RenderTextOptions = {}): string {
  const width = options.width ?? 80;
  const usd = usdFormatter(report.overall.cost.standard);
  const lines = [
    ...summaryLines(report, width, usd),
    ...worstGroupLines(report, options.maxGroups ?? 10, width, usd),
    ...breakdownLines(report, options.maxBatches ?? 20, usd),
    ...appendixLines(report, width),
  ];
  return `${lines.join("\n")}\n`;
}

type Usd = ReturnType<typeof usdFormatter>;

/** Header, verdict, hit rate, cost, writes and results; then tokens and USD by kind. */
function summaryLines(report: Report, width: number, usd: Usd): string[] {
  const o = report.overall;
  const lines: string[] = [header(report)];
  lines.push(...labelled("verdict", capitalised(report.verdict.text), width));
  lines.push(...labelled("hit rate", hitRateLine(o), width));
  lines.push(...labelled("cost", costLine(o, usd), width));
  if (o.vsEstimate) {
    const vs = o.vsEstimate;
    lines.push(
      ...labelled(
        "ideal",
        `${usd(vs.ideal.usdAtActualTokens)} at actual tokens (planned ${usd(vs.planned.usdAtActualTokens)}); ${vs.savingOverIdeal === null ? "the ideal saves nothing" : `${pct(vs.savingOverIdeal, 0)} of the ideal saving achieved`}`,
        width,
      ),
    );
  }
  const writes = writesLine(report);
  if (writes) lines.push(...labelled("writes", writes, width));
  lines.push(...labelled("results", countsLine(o), width));
  lines.push("");
  lines.push(
    `  ${cell("tokens", 8, true)}${cell("input", 13)}${cell("write 5m", 12)}${cell("write 1h", 12)}${cell("read", 13)}${cell("output", 12)}`,
  );
  const t = o.tokens;
  lines.push(
    `  ${cell("actual", 8, true)}${cell(int(t.input), 13)}${cell(int(t.cacheWrite5m), 12)}${cell(int(t.cacheWrite1h), 12)}${cell(int(t.cacheRead), 13)}${cell(int(t.output), 12)}`,
  );
  const u = o.usdByKind;
  lines.push(
    `  ${cell("USD", 8, true)}${cell(usd(u.input), 13)}${cell(usd(u.cacheWrite5m), 12)}${cell(usd(u.cacheWrite1h), 12)}${cell(usd(u.cacheRead), 13)}${cell(usd(u.output), 12)}`,
  );
  return lines;
}

/** The worst groups, each with its miss attribution. */
function worstGroupLines(report: Report, maxGroups: number, width: number, usd: Usd): string[] {
  if (report.groups.length === 0) return [];
  const top = worstGroups(report).slice(0, maxGroups);
  const excess = report.overall.vsEstimate ? "by USD above the ideal" : "by misses";
  const lines = ["", `Worst groups (${top.length} of ${report.groups.length}, ${excess})`];
  const counted = (g: Report["groups"][number]) => {
    const c = g.counts;
    return `${int(c.succeeded)}/${int(c.succeeded + c.errored + c.canceled + c.expired + c.missing)}`;
  };
  // Wide enough for the largest group's counts (a group of 125,000 requests).
  const countWidth = Math.max(10, ...top.map((g) => counted(g).length + 1));
  lines.push(
    `  ${cell("group", 22, true)}${cell("succeeded", countWidth)}${cell("hit rate", 9)}${cell("ideal", 8)}${cell("USD", 12)}${cell("vs ideal", 12)}`,
  );
  for (const g of top) {
    const extra = excessOf(g);
    lines.push(
      `  ${cell(`${g.id} ${g.model}`, 22, true)}${cell(counted(g), countWidth)}${cell(pct(g.hitRate), 9)}${cell(g.vsEstimate ? pct(g.vsEstimate.ideal.hitRate) : "—", 8)}${cell(usd(g.usd), 12)}${cell(extra === null ? "—" : signedUsd(extra, usd), 12)}`,
    );
    lines.push(...wrap(whatHappened(g).join("; "), width, "    ", "    "));
  }
  return lines;
}

/** By model, by wave and by batch (when there are few enough batches). */
function breakdownLines(report: Report, maxBatches: number, usd: Usd): string[] {
  const lines: string[] = [];
  if (report.models.length > 1 || report.groups.length > 0) {
    lines.push("", "By model");
    lines.push(figuresHead("model"));
    for (const m of report.models) lines.push(figuresRow(m.model, m, usd));
  }
  if (report.waves.length > 1) {
    lines.push("", "By wave");
    lines.push(figuresHead("wave"));
    for (const w of report.waves)
      lines.push(figuresRow(`${w.wave} (${plural(w.batches.length, "batch", "batches")})`, w, usd));
  }
  if (report.batches.length > 1 && report.batches.length <= maxBatches) {
    lines.push("", "By batch");
    lines.push(figuresHead("batch"));
    for (const b of report.batches) lines.push(figuresRow(`${b.index} (wave ${b.wave})`, b, usd));
  } else if (report.batches.length > maxBatches) {
    lines.push("", `${report.batches.length} batches: see \`--format json\` for each.`);
  }
  return lines;
}

/** Definitions, calibration, problems and notes. */
function appendixLines(report: Report, width: number): string[] {
  const lines = ["", "Hit rates"];
  for (const [name, definition] of Object.entries(report.definitions)) {
    if (name === "writesPerGroup" && report.writesPerGroup === null) continue;
    lines.push(...wrap(definition, width, `  ${name.padEnd(17)} `, " ".repeat(20)));
  }
  if (report.calibration && Object.keys(report.calibration.models).length > 0) {
    lines.push(
      "",
      `Calibration: actual ÷ estimated input tokens (counter ${report.calibration.counter})`,
    );
    lines.push(
      `  ${cell("model", 22, true)}${cell("succeeded", 11)}${cell("actual", 13)}${cell("estimated", 13)}${cell("factor", 9)}`,
    );
    for (const [model, c] of Object.entries(report.calibration.models))
      lines.push(
        `  ${cell(model, 22, true)}${cell(int(c.requests), 11)}${cell(int(c.actualInputTokens), 13)}${cell(int(c.estimatedInputTokens), 13)}${cell(c.factor.toFixed(4), 9)}`,
      );
  }
  if (report.problems.length > 0) {
    lines.push("", `Problems (${report.problems.length})`);
    for (const p of report.problems) {
      const [first, ...rest] = formatProblem(p);
      lines.push(...wrap(first!, width, "  - ", "    "));
      for (const r of rest) lines.push(...wrap(r, width, "      ", "        "));
    }
  }
  if (report.notes.length > 0) {
    lines.push("", "Notes");
    for (const note of report.notes) lines.push(...wrap(note, width, "  - ", "    "));
  }
  return lines;
}
