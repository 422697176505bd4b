/**
 * Calibration (internal): each model's token counts scaled by the factor a report measured
 * (actual ÷ estimated), and the note that says so.
 */
import { OptionsError } from "../errors.js";
import type { Plan } from "../types.js";
import type { EstimateCounts } from "./_counts.js";
import type { EstimateJob } from "./_records.js";
import type { EstimateCalibration } from "./types.js";

/**
 * Multiplies each model's prefix, breakpoint and tail token counts by its calibration factor, in
 * place; returns the factors applied. A factor must be a positive number.
 */
export function applyCalibration(
  calibration: EstimateCalibration | undefined,
  plan: Plan,
  job: EstimateJob,
  counts: EstimateCounts,
): Array<[string, number]> {
  if (!calibration) return [];
  const factors = new Map<string, number>();
  for (const [model, entry] of Object.entries(calibration.models)) {
    if (!(typeof entry?.factor === "number" && Number.isFinite(entry.factor) && entry.factor > 0)) {
      throw new OptionsError(
        `\`calibration.models["${model}"].factor\` must be a positive number; got ${JSON.stringify(entry?.factor)}.`,
      );
    }
    factors.set(model, entry.factor);
  }
  const { prefixOf, deltaOf, tailOf } = counts;
  job.trees.forEach((tree, g) => {
    const f = factors.get(plan.groups[g]!.model);
    if (f === undefined) return;
    for (const node of tree) {
      prefixOf.set(node.bp, prefixOf.get(node.bp)! * f);
      deltaOf.set(node.bp, deltaOf.get(node.bp)! * f);
    }
  });
  job.records.forEach((r, i) => {
    const f = factors.get(r.model);
    if (f !== undefined) tailOf[i]! *= f;
  });
  const used = new Set(job.records.map((r) => r.model));
  return [...factors].filter(([m]) => used.has(m));
}

/** The note on the factors applied, if any. */
export function calibrationNotes(
  calibrated: ReadonlyArray<[string, number]>,
  calibration: EstimateCalibration | undefined,
  counterName: string,
): string[] {
  if (calibrated.length === 0) return [];
  return [
    `Token counts calibrated by a report's measurement: ${calibrated.map(([m, f]) => `${m} ×${f.toFixed(4)}`).join(", ")}${calibration!.counter !== counterName ? ` (measured against \`${calibration!.counter}\`, applied to \`${counterName}\`)` : ""}.`,
  ];
}
