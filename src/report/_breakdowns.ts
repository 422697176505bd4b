/**
 * The report's breakdowns (internal): per group (with miss attribution), per model, wave and
 * batch, and the writes per active group.
 */
import { rowOf } from "../pricing/unknown-model.js";
import type { ReportSums } from "./_sums.js";
import { attribute } from "./attribution.js";
import type { Calibration, GroupReport, Report } from "./types.js";

/** Each planned group's figures, writes and miss attribution. */
export function groupReports(sums: ReportSums, calibration: Calibration | null): GroupReport[] {
  const { plan, index, models } = sums;
  const withEstimate = sums.estimate !== undefined;
  return (plan?.groups ?? []).map((g, k) => {
    const { requests: counts, ...figures } = sums.groups[k]!.figures(withEstimate);
    const factor = calibration?.models[g.model]?.factor ?? 1;
    const top = g.breakpoints[0];
    return {
      id: g.id,
      model: g.model,
      requests: g.requests,
      counts,
      mode: top?.mode ?? "cold",
      ttl: top?.ttl ?? "5m",
      ...figures,
      writes: { actual: sums.groups[k]!.withWrites, ideal: index!.groups[k]!.idealWrites },
      attribution: attribute(sums.activity[k]!, {
        idealWrites: index!.groups[k]!.idealWrites,
        variants: index!.groups[k]!.variants,
        minimum: rowOf(models, g.model).info.minCacheableTokens,
        prefixTokens: g.sharedTokens * factor,
      }),
    };
  });
}

/** Per model (in name order), per wave and per batch. */
export function breakdowns(sums: ReportSums): Pick<Report, "models" | "waves" | "batches"> {
  const { plan } = sums;
  const withEstimate = sums.estimate !== undefined;
  return {
    models: [...sums.byModel]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([model, b]) => ({ model, ...b.figures(withEstimate) })),
    waves: [...sums.waves]
      .sort(([a], [b]) => a - b)
      .map(([wave, b]) => ({
        wave,
        batches: (plan?.batches ?? []).flatMap((x, i) => (x.wave === wave ? [i] : [])),
        // The estimate spreads each entry's write over its group's requests, so it has no
        // per-wave or per-batch figures to compare with.
        ...b.figures(false),
      })),
    batches: (plan?.batches ?? []).map((x, i) => ({
      index: x.index,
      wave: x.wave,
      ...sums.batches[i]!.figures(false),
    })),
  };
}

/** Mean actual and ideal writes over the groups with a succeeded request. */
export function writesPerGroup(groups: readonly GroupReport[]): Report["writesPerGroup"] {
  const active = groups.filter((g) => g.counts.succeeded > 0);
  if (active.length === 0) return null;
  return {
    groups: active.length,
    actual: active.reduce((s, g) => s + g.writes.actual, 0) / active.length,
    ideal: active.reduce((s, g) => s + g.writes.ideal, 0) / active.length,
  };
}
