/**
 * An OpenAI plan as text for an 80-column terminal: totals, files, groups with their cache key or
 * breakpoints and why, warnings, what is uncertain, rejected requests. Pure.
 */
import { wrap } from "../../util/format.js";
import type { OpenAIPlan } from "./types.js";

const n = (v: number) => v.toLocaleString("en-US");
const count = (v: number, noun: string, plural = `${noun}s`) =>
  `${n(v)} ${v === 1 ? noun : plural}`;

/** The plan as text. */
export function renderOpenAIPlan(plan: OpenAIPlan, maxGroups = 10): string {
  const { summary: s } = plan;
  const out: string[] = [];
  out.push(
    `${count(s.inputRequests, "request")}: ${n(s.planned)} planned, ${n(s.rejected)} rejected (OpenAI Batch API)`,
  );
  const models = Object.entries(s.byModel)
    .map(([m, c]) => `${m} ${n(c)}`)
    .join(", ");
  if (models) out.push(`  models   ${models}`);
  const modes = (["explicit", "automatic", "none"] as const)
    .filter((m) => s.byCacheMode[m] > 0)
    .map((m) => `${m} ${n(s.byCacheMode[m])}`)
    .join(", ");
  if (modes) out.push(`  caching  ${modes}`);
  const share = s.planned > 0 ? Math.round((s.grouped / s.planned) * 100) : 0;
  out.push(
    `  groups   ${count(plan.groups.length, "group")} cover ${count(s.grouped, "request")} (${share}%); ${count(s.cacheKeysSet, "prompt_cache_key")} set, ${count(s.breakpointsAdded, "breakpoint")} added`,
  );
  const waves: string[] = [];
  for (let w = 0; w < s.waves; w++) {
    const inWave = plan.batches.filter((b) => b.wave === w);
    waves.push(
      `wave ${w}: ${count(
        inWave.reduce((t, b) => t + b.requestCount, 0),
        "request",
      )} in ${count(inWave.length, "file")}`,
    );
  }
  if (waves.length > 0) out.push(`  waves    ${waves.join("; ")}`);
  out.push(
    `  files    one model and one endpoint each, ≤ ${n(plan.options.maxRequests)} requests, ≤ ${n(plan.options.maxBytes)} bytes${plan.options.maxEnqueuedTokens === null ? "" : `, ≤ ${n(plan.options.maxEnqueuedTokens)} input tokens`}`,
  );
  out.push(`  strategy ${plan.options.strategy}, tokens by ${plan.options.counter}`);
  if (plan.groups.length > 0) {
    out.push("", `Groups (${Math.min(maxGroups, plan.groups.length)} of ${plan.groups.length})`);
    for (const g of plan.groups.slice(0, maxGroups)) {
      const how =
        g.cacheMode === "automatic"
          ? `key ${g.promptCacheKey}`
          : `${count(g.breakpoints.length, "breakpoint")}, ${g.breakpoints[0]?.mode ?? ""}`;
      out.push(
        `  ${g.id.padEnd(5)} ${g.model.padEnd(16)} ${n(g.requests).padStart(6)} requests ~${n(g.sharedTokens)} tok  ${g.cacheMode}, ${how}`,
      );
      out.push(...wrap(g.why, 79, "        "));
    }
  }
  if (plan.warnings.length > 0) {
    out.push("", "Warnings");
    for (const w of plan.warnings) out.push(...wrap(`${w.kind}: ${w.message}`, 79, "  "));
  }
  out.push("", "Uncertain (OpenAI does not document these)");
  for (const note of plan.notes) out.push(...wrap(note, 79, "  "));
  if (plan.rejected.length > 0) {
    out.push("", `Rejected (${plan.rejected.length})`);
    for (const r of plan.rejected.slice(0, 20))
      out.push(
        ...wrap(
          `line ${r.line}${r.custom_id ? ` (${r.custom_id})` : ""}: ${r.kind}: ${r.reason}`,
          79,
          "  ",
        ),
      );
  }
  return `${out.join("\n")}\n`;
}
