/**
 * The calibration a probe writes (internal): version 2 of the file `report --write-calibration`
 * writes, with no token factors (the probe does not compare against an estimate) and a `cache`
 * section of the parameters it measured, in `SimParams` names.
 */
import { rename, writeFile } from "node:fs/promises";
import type { MeasuredParams } from "./_analyze.js";
import type { CacheCalibration, CalibrationFileV2, ProbeMeasurement } from "./types.js";

/** The calibration file of a probe's measurements. */
export function calibrationOf(
  model: string,
  measurements: readonly ProbeMeasurement[],
  params: MeasuredParams,
  measuredAt = new Date().toISOString(),
): CalibrationFileV2 {
  const measured: NonNullable<CacheCalibration["measured"]> = {};
  for (const m of measurements) {
    if (m.verdict === "not-measured" || (!m.rate && !m.bounds)) continue;
    measured[m.id] = {
      ...(m.rate ? { rate: m.rate } : {}),
      ...(m.bounds ? { bounds: m.bounds } : {}),
    };
  }
  return {
    version: 2,
    counter: "count_tokens",
    models: {},
    cache: { source: "probe", model, measuredAt, ...params, measured },
  };
}

/** Writes it beside, then renames it over `file`. */
export async function writeCalibration(
  file: string,
  calibration: CalibrationFileV2,
): Promise<void> {
  const partial = `${file}.partial-${process.pid}`;
  await writeFile(partial, `${JSON.stringify(calibration, null, 2)}\n`);
  await rename(partial, file);
}
