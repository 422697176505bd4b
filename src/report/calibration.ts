/**
 * The report's calibration (internal): per model, actual input tokens ÷ the estimate's, for
 * `estimate({ calibration })` to scale its counts with next time; written over a probe's
 * calibration file, it keeps the probe's cache-model parameters.
 */
import type { CacheCalibration, CalibrationFileV2 } from "../probe/types.js";
import type { ReportSums } from "./_sums.js";
import type { Calibration } from "./types.js";

/** The calibration, or null without an estimate. Models in name order; only compared ones. */
export function calibrationOf(sums: ReportSums): Calibration | null {
  const { estimate } = sums;
  if (!estimate) return null;
  const calibration: Calibration = { version: 1, counter: estimate.counter, models: {} };
  for (const [model, bucket] of [...sums.byModel].sort(([a], [b]) => a.localeCompare(b))) {
    const { estimated, actual } = bucket.inputTokens();
    if (bucket.compared.requests === 0 || estimated <= 0) continue;
    calibration.models[model] = {
      requests: bucket.compared.requests,
      actualInputTokens: actual,
      estimatedInputTokens: Math.round(estimated),
      factor: Math.round((actual / estimated) * 10_000) / 10_000,
    };
  }
  return calibration;
}

/**
 * The calibration to write over `previous` (the file's JSON, `undefined` when there is none): a
 * report measures token factors only, so the cache-model parameters a probe wrote there (version
 * 2's `cache`) are kept, and the file stays version 2; otherwise the report's version 1 as it is.
 */
export function mergeCalibration(
  previous: unknown,
  measured: Calibration,
): Calibration | CalibrationFileV2 {
  const cache =
    typeof previous === "object" &&
    previous !== null &&
    (previous as { version?: unknown }).version === 2
      ? (previous as { cache?: CacheCalibration }).cache
      : undefined;
  if (cache === undefined) return measured;
  return { version: 2, counter: measured.counter, models: measured.models, cache };
}
