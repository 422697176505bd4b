import type { Plan, PlannedBatch } from "../types.js";
import { wrap as wrapText } from "../util/format.js";
import { formatWarning } from "./warnings.js";

/** Options of `renderPlan`. */
export interface RenderPlanOptions {
  /** Most groups listed. @default 10 */
  maxGroups?: number;
  /** Most rejected requests listed. @default 20 */
  maxRejected?: number;
}

const n = (value: number) => value.toLocaleString("en-US");
/** `count noun`, with an `s` unless the count is 1. */
const count = (value: number, noun: string, plural = `${noun}s`) =>
  `${n(value)} ${value === 1 ? noun : plural}`;

function pad(text: string, width: number, right = false): string {
  const t = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return right ? t.padStart(width) : t.padEnd(width);
}

/**
 * Word-wraps `text` so that no line, with the space after its last word, passes `width` columns;
 * each line starts with `indent`.
 */
export function wrap(text: string, width: number, indent: string): string[] {
  return wrapText(text, width - 1, indent);
}

/**
 * The plan as text for an 80-column terminal: totals, waves, the largest groups with the reason
 * for each decision, warnings and rejected requests. Pure: the CLI prints it.
 */
export function renderPlan(
  plan: Omit<Plan, "batches"> & {
    batches: readonly Pick<PlannedBatch, "wave" | "requestCount" | "model" | "jobModel">[];
  },
  options: RenderPlanOptions = {},
): string {
  const { summary } = plan;
  const lines: string[] = [];
  lines.push(
    `${count(summary.inputRequests, "request")}: ${n(summary.planned)} planned, ${n(summary.rejected)} rejected`,
  );
  const models = Object.entries(summary.byModel)
    .map(([model, count]) => `${model} ${n(count)}`)
    .join(", ");
  if (models) lines.push(`  models   ${models}`);
  const share = summary.planned > 0 ? Math.round((summary.grouped / summary.planned) * 100) : 0;
  lines.push(
    `  groups   ${count(plan.groups.length, "group")} cover${plan.groups.length === 1 ? "s" : ""} ${count(summary.grouped, "request")} (${share}%); ${count(summary.markersAdded, "marker")} added` +
      (summary.markersRemoved > 0 ? `, ${n(summary.markersRemoved)} removed` : ""),
  );
  const waves: string[] = [];
  for (let w = 0; w < summary.waves; w++) {
    const inWave = plan.batches.filter((b) => b.wave === w);
    const requests = inWave.reduce((s, b) => s + b.requestCount, 0);
    waves.push(
      `wave ${w}: ${count(requests, "request")} in ${count(inWave.length, "batch", "batches")}`,
    );
  }
  lines.push(`  waves    ${waves.join("; ") || "none"}`);
  lines.push(
    `  strategy ${plan.options.strategy}, ttl ${plan.options.ttl}, tokens by ${plan.options.counter}`,
  );
  if (plan.options.target) {
    const jobModels = [...new Set(plan.batches.map((b) => b.jobModel ?? b.model ?? "?"))];
    lines.push(`  target   ${plan.options.target}: one model per job (${jobModels.join(", ")})`);
  }

  const maxGroups = options.maxGroups ?? 10;
  if (plan.groups.length > 0) {
    const top = [...plan.groups]
      .sort(
        (a, b) =>
          b.inputUnits.uncached -
          b.inputUnits.planned -
          (a.inputUnits.uncached - a.inputUnits.planned),
      )
      .slice(0, maxGroups);
    lines.push("");
    lines.push(`Groups (${top.length} of ${plan.groups.length}, by expected saving)`);
    lines.push(
      `  ${pad("id", 6)}${pad("model", 20)}${pad("requests", 9, true)}${pad("shared tok", 11, true)}${pad("bps", 4, true)}  ${pad("mode", 6)} ttl`,
    );
    for (const g of top) {
      const first = g.breakpoints[0]!;
      lines.push(
        `  ${pad(g.id, 6)}${pad(g.model, 20)}${pad(n(g.requests), 9, true)}${pad(n(g.sharedTokens), 11, true)}${pad(String(g.breakpoints.length), 4, true)}  ${pad(first.mode, 6)} ${first.ttl}`,
      );
      lines.push(...wrap(g.why, 80, "        "));
    }
  }
  if (plan.warnings.length > 0) {
    lines.push("");
    lines.push(`Warnings (${plan.warnings.length})`);
    for (const w of plan.warnings) lines.push(`  - ${formatWarning(w)}`);
  }
  if (plan.rejected.length > 0) {
    const maxRejected = options.maxRejected ?? 20;
    lines.push("");
    lines.push(`Rejected (${plan.rejected.length})`);
    for (const r of plan.rejected.slice(0, maxRejected)) {
      const where = `${r.source ? `${r.source}:` : "line "}${r.line}`;
      lines.push(`  - ${where}${r.custom_id ? ` (${r.custom_id})` : ""}: ${r.reason}`);
    }
    if (plan.rejected.length > maxRejected)
      lines.push(`  … and ${plan.rejected.length - maxRejected} more (see plan.json or --json)`);
  }
  return `${lines.join("\n")}\n`;
}
