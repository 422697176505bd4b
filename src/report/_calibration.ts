/**
 * The report's calibration (internal): per model, actual input tokens ÷ the estimate's, for
 * `estimate({ calibration })` to scale its counts with next time.
 */
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
