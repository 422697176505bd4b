/**
 * The report's summary in sentences, shared by every renderer (internal): the verdict, the hit
 * rate and the cost against the estimate, and which groups were worst.
 */

import { int, pct, plural, signedPct, signedUsd, usdFormatter } from "./_format.js";
import { attributionInfo, formatAttribution } from "./attribution.js";
import type { GroupReport, Report, ReportFigures, Verdict } from "./types.js";

/** The verdict of a set of figures (pure). */
export function verdictOf(
  overall: ReportFigures,
  options: { groups: number | undefined; complete: boolean },
): Verdict {
  const prefix = options.complete ? "" : "Incomplete results (see the problems); ";
  const say = (kind: Verdict["kind"], text: string): Verdict => ({ kind, text: prefix + text });
  const t = overall.tokens;
  const cacheable = t.cacheRead + t.cacheWrite5m + t.cacheWrite1h;
  if (overall.requests.succeeded === 0)
    return say("no-results", "no request succeeded, so there is no usage to judge caching by.");
  if (options.groups === 0 && cacheable === 0)
    return say("no-caching", "the plan caches nothing (no group), and nothing was cached.");
  if (options.groups === undefined && cacheable === 0)
    return say("no-caching", "no request read or wrote the cache.");
  const vs = overall.vsEstimate;
  const score = vs?.hitRateOverIdeal ?? overall.cacheableHitRate ?? 0;
  const saving =
    vs?.savingOverIdeal != null ? `, ${pct(vs.savingOverIdeal, 0)} of the ideal saving` : "";
  const measure =
    vs?.hitRateOverIdeal != null
      ? `${pct(score, 0)} of the ideal hit rate${saving}`
      : `${pct(score, 0)} of cacheable tokens read`;
  if (score >= 0.8) return say("worked", `caching worked: ${measure}.`);
  if (score >= 0.3) return say("partly-worked", `caching partly worked: ${measure}.`);
  return say("did-not-work", `caching did not work: ${measure}.`);
}

/** "91.2% of input tokens read from cache (planned 90.0%, ideal 93.1%)". */
export function hitRateLine(figures: ReportFigures): string {
  const vs = figures.vsEstimate;
  const against = vs ? ` (planned ${pct(vs.planned.hitRate)}, ideal ${pct(vs.ideal.hitRate)})` : "";
  const cacheable =
    figures.cacheableHitRate === null
      ? ""
      : `; ${pct(figures.cacheableHitRate)} of cacheable tokens`;
  const requests =
    figures.requestHitRate === null
      ? ""
      : `; ${plural(figures.requestsWithReads, "request")} of ${int(figures.requests.succeeded)} read`;
  return `${pct(figures.hitRate)} of input tokens read from cache${against}${cacheable}${requests}`;
}

/** "$0.0131 actual vs $0.0126 estimated (+4.0%); without caching $0.0351 (batch), $0.0701 (Messages API)". */
export function costLine(
  figures: ReportFigures,
  usd = usdFormatter(figures.cost.standard),
): string {
  const vs = figures.vsEstimate;
  const estimate = vs
    ? ` vs ${usd(vs.planned.usd)} estimated (${signedPct(vs.variancePercent)}, ${signedUsd(vs.varianceUsd, usd)})`
    : "";
  return `${usd(figures.usd)} actual${estimate}; without caching ${usd(figures.cost.batch)} in batches, ${usd(figures.cost.standard)} on the Messages API`;
}

/** Requests of a group that missed (duplicate writes and idle requests). */
export function missesOf(group: GroupReport): number {
  return group.attribution.reduce((s, a) => s + (attributionInfo[a.kind].miss ? a.requests : 0), 0);
}

/** USD a group spent above its ideal at actual tokens, when the estimate is known. */
export function excessOf(group: GroupReport): number | null {
  const vs = group.vsEstimate;
  return vs ? group.usd - vs.ideal.usdAtActualTokens : null;
}

/** Groups, worst first: most USD above the ideal (to a nano-dollar), else most misses, then most USD. */
export function worstGroups(report: Report): GroupReport[] {
  const excess = (g: GroupReport) => Math.round((excessOf(g) ?? 0) * 1e9);
  return [...report.groups].sort(
    (a, b) =>
      excess(b) - excess(a) ||
      missesOf(b) - missesOf(a) ||
      b.usd - a.usd ||
      a.id.localeCompare(b.id, "en", { numeric: true }),
  );
}

/** The requests that did not succeed, e.g. "1 errored (overloaded_error 1), 1 missing"; "" when none. */
export function failuresLine(figures: Pick<ReportFigures, "requests" | "errors">): string {
  const r = figures.requests;
  const errors = Object.entries(figures.errors)
    .map(([type, n]) => `${type} ${int(n)}`)
    .join(", ");
  const parts: string[] = [];
  if (r.errored > 0) parts.push(`${r.errored} errored (${errors})`);
  for (const kind of ["canceled", "expired", "missing"] as const)
    if (r[kind] > 0) parts.push(`${r[kind]} ${kind}`);
  return parts.join(", ");
}

/** "1.00 per group (ideal 1.00) over 14 groups", or null without groups. */
export function writesLine(report: Report): string | null {
  const w = report.writesPerGroup;
  if (!w) return null;
  return `${w.actual.toFixed(2)} writing requests per group (ideal ${w.ideal.toFixed(2)}) over ${plural(w.groups, "group")}`;
}

/** One line per result type, e.g. "succeeded 8, errored 1 (overloaded_error 1), missing 1". */
export function countsLine(figures: Pick<ReportFigures, "requests" | "errors">): string {
  const r = figures.requests;
  const errors = Object.entries(figures.errors)
    .map(([type, n]) => `${type} ${int(n)}`)
    .join(", ");
  return [
    `succeeded ${int(r.succeeded)}`,
    `errored ${int(r.errored)}${errors ? ` (${errors})` : ""}`,
    `canceled ${int(r.canceled)}`,
    `expired ${int(r.expired)}`,
    `missing ${int(r.missing)}`,
  ].join(", ");
}

/** What happened in a group, as phrases: attribution, failed requests, writes against the ideal. */
export function whatHappened(group: GroupReport): string[] {
  const out = group.attribution.map(formatAttribution);
  const failed = failuresLine({ requests: group.counts, errors: group.errors });
  if (failed) out.push(failed);
  out.push(
    `writes ${group.writes.actual} (ideal ${group.writes.ideal}), ${group.mode} ${group.ttl}`,
  );
  return out;
}
