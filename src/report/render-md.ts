import { int, pct, signedPct, signedUsd, tokenTable, usdFormatter } from "./_format.js";
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

const esc = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function table(head: string[], align: string[], rows: string[][]): string[] {
  return [
    `| ${head.map(esc).join(" | ")} |`,
    `|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ];
}

function figureRows(rows: Array<[string, ReportFigures]>, usd: (v: number) => string): string[][] {
  return rows.map(([name, f]) => {
    const r = f.requests;
    const total = r.succeeded + r.errored + r.canceled + r.expired + r.missing;
    const vs = f.vsEstimate;
    return [
      name,
      `${r.succeeded}/${total}`,
      pct(f.hitRate),
      int(f.requestsWithReads),
      int(f.requestsWithWrites),
      usd(f.usd),
      vs ? usd(vs.planned.usd) : "—",
      vs ? signedPct(vs.variancePercent) : "—",
    ];
  });
}

const FIGURE_HEAD = ["succeeded", "hit rate", "reads", "writes", "USD", "estimated", "vs estimate"];

/**
 * The report as Markdown, for pasting into a pull request or an issue: the summary, the tokens,
 * the worst groups with their miss attribution, per model, wave and batch, calibration, problems
 * and notes. Pure: the CLI writes it.
 */
export function renderReportMarkdown(report: Report, options: { maxGroups?: number } = {}): string {
  const o = report.overall;
  const usd = usdFormatter(o.cost.standard);
  const verdict = report.verdict.text;
  const out: string[] = [
    "## cacheplan report",
    "",
    `**${verdict.charAt(0).toUpperCase()}${verdict.slice(1)}**`,
    "",
    `- **Hit rate:** ${hitRateLine(o)}`,
    `- **Cost:** ${costLine(o, usd)}`,
  ];
  if (o.vsEstimate) {
    const vs = o.vsEstimate;
    out.push(
      `- **Ideal:** ${usd(vs.ideal.usdAtActualTokens)} at actual tokens; ${vs.savingOverIdeal === null ? "the ideal saves nothing" : `${pct(vs.savingOverIdeal, 0)} of the ideal saving achieved`}`,
    );
  }
  const writes = writesLine(report);
  if (writes) out.push(`- **Writes:** ${writes}`);
  out.push(`- **Results:** ${countsLine(o)}`, "");
  const kinds = tokenTable(o.tokens, o.usdByKind, usd);
  out.push(...table(kinds.header, ["l", "r", "r", "r", "r", "r"], kinds.rows));
  out.push(...worstGroupSection(report, options.maxGroups ?? 20, usd));
  const sections: Array<[string, Array<[string, ReportFigures]>]> = [
    ["model", report.models.map((m) => [`\`${m.model}\``, m])],
    ["wave", report.waves.map((w) => [String(w.wave), w])],
    ["batch", report.batches.map((b) => [`${b.index} (wave ${b.wave})`, b])],
  ];
  for (const [name, rows] of sections) {
    if (rows.length === 0) continue;
    out.push("", `### By ${name}`, "");
    out.push(
      ...table(
        [name, ...FIGURE_HEAD],
        ["l", "r", "r", "r", "r", "r", "r", "r"],
        figureRows(rows, usd),
      ),
    );
  }
  out.push(...appendixSection(report));
  return `${out.join("\n")}\n`;
}

/** The worst groups, with their miss attribution. */
function worstGroupSection(
  report: Report,
  maxGroups: number,
  usd: ReturnType<typeof usdFormatter>,
): string[] {
  if (report.groups.length === 0) return [];
  const top = worstGroups(report).slice(0, maxGroups);
  return [
    "",
    `### Worst groups (${top.length} of ${report.groups.length})`,
    "",
    ...table(
      ["group", "model", "succeeded", "hit rate", "ideal", "USD", "vs ideal", "what happened"],
      ["l", "l", "r", "r", "r", "r", "r", "l"],
      top.map((g) => {
        const c = g.counts;
        const extra = excessOf(g);
        return [
          g.id,
          `\`${g.model}\``,
          `${c.succeeded}/${c.succeeded + c.errored + c.canceled + c.expired + c.missing}`,
          pct(g.hitRate),
          g.vsEstimate ? pct(g.vsEstimate.ideal.hitRate) : "—",
          usd(g.usd),
          extra === null ? "—" : signedUsd(extra, usd),
          whatHappened(g).join("; "),
        ];
      }),
    ),
  ];
}

/** Definitions, calibration, problems and notes. */
function appendixSection(report: Report): string[] {
  const out = ["", "<details><summary>Hit rate definitions</summary>", ""];
  for (const [name, definition] of Object.entries(report.definitions))
    out.push(`- \`${name}\`: ${definition}`);
  out.push("", "</details>");
  if (report.calibration && Object.keys(report.calibration.models).length > 0) {
    out.push("", `### Calibration (\`${report.calibration.counter}\`)`, "");
    out.push(
      ...table(
        ["model", "requests", "actual input", "estimated input", "factor"],
        ["l", "r", "r", "r", "r"],
        Object.entries(report.calibration.models).map(([m, c]) => [
          `\`${m}\``,
          int(c.requests),
          int(c.actualInputTokens),
          int(c.estimatedInputTokens),
          c.factor.toFixed(4),
        ]),
      ),
    );
  }
  if (report.problems.length > 0) {
    out.push("", `### Problems (${report.problems.length})`, "");
    for (const p of report.problems) {
      const [first, ...rest] = formatProblem(p);
      out.push(`- ${first}`, ...rest.map((r) => `  - ${r}`));
    }
  }
  if (report.notes.length > 0) {
    out.push("", "### Notes", "");
    for (const note of report.notes) out.push(`- ${note}`);
  }
  return out;
}
