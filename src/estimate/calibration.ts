/**
 * Calibration: each model's token counts scaled by the factor a report measured (actual ÷
 * estimated), the cache-model parameters a probe measured (`cache`, calibration version 2) fed to
 * the planner (`concurrency`) and to the simulation behind `planned` (`SimParams`), and the notes
 * that say so. The one reader of calibration files: version 1 (`report --write-calibration`) and
 * version 2 (`cacheplan probe`), for `plan`, `estimate` and `simulate`.
 */
import { InputError, OptionsError } from "../errors.js";
import type { CacheCalibration } from "../probe/types.js";
import type { SimParams } from "../sim/params.js";
import type { Plan, PlanOptions } from "../types.js";
import type { EstimateCounts } from "./_counts.js";
import type { EstimateJob } from "./_records.js";
import type { EstimateCalibration, EstimateOptions } from "./types.js";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Why a `cache` section cannot be used, or `undefined`. */
function cacheProblem(cache: Record<string, unknown>): string | undefined {
  const rate = (name: string) => {
    const v = cache[name];
    return v === undefined || (typeof v === "number" && v >= 0 && v <= 1)
      ? undefined
      : `\`cache.${name}\` must be a probability from 0 to 1; got ${JSON.stringify(v)}`;
  };
  const { concurrency, visibilityDelayMs, ttlMs } = cache;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && (concurrency as number) >= 1))
    return `\`cache.concurrency\` must be an integer ≥ 1; got ${JSON.stringify(concurrency)}`;
  if (
    visibilityDelayMs !== undefined &&
    !(
      typeof visibilityDelayMs === "number" &&
      Number.isFinite(visibilityDelayMs) &&
      visibilityDelayMs >= 0
    )
  )
    return `\`cache.visibilityDelayMs\` must be a number of ms ≥ 0; got ${JSON.stringify(visibilityDelayMs)}`;
  if (ttlMs !== undefined) {
    if (!isObject(ttlMs)) return '`cache.ttlMs` must be an object like `{"5m": 240000}`';
    for (const [ttl, ms] of Object.entries(ttlMs)) {
      if (
        (ttl !== "5m" && ttl !== "1h") ||
        !(typeof ms === "number" && Number.isFinite(ms) && ms > 0)
      )
        return `\`cache.ttlMs.${ttl}\` must be a TTL (\`5m\` or \`1h\`) with a number of ms > 0; got ${JSON.stringify(ms)}`;
    }
  }
  return rate("batchReadRate") ?? rate("syncToBatchVisibility");
}

/**
 * Reads a calibration file's JSON: version 1 (`{version, counter, models}`, as `report
 * --write-calibration` writes it) or version 2 (the same plus `cache`, as `cacheplan probe`
 * writes it). `file` names it in errors.
 *
 * @throws {InputError} naming the file and what is wrong.
 */
export function parseCalibration(value: unknown, file: string): EstimateCalibration {
  const bad = (why: string) =>
    new InputError(
      `\`${file}\` is not a calibration file: ${why}. Expected \`{"version": 1 or 2, "counter": "...", "models": {...}}\` as \`cacheplan report --write-calibration\` or \`cacheplan probe\` writes it.`,
      file,
    );
  if (!isObject(value)) throw bad("not a JSON object");
  const { version, counter, models, cache } = value;
  if (version !== 1 && version !== 2)
    throw bad(
      `\`version\` is ${JSON.stringify(version)}, and this cacheplan reads 1 and 2 (a newer cacheplan wrote it?)`,
    );
  if (typeof counter !== "string") throw bad("`counter` is missing");
  if (!isObject(models)) throw bad("`models` is missing");
  if (cache !== undefined) {
    if (version === 1) throw bad("a version 1 file has no `cache` section");
    if (!isObject(cache)) throw bad("`cache` is not an object");
    const problem = cacheProblem(cache);
    if (problem) throw bad(problem);
  }
  return value as unknown as EstimateCalibration;
}

/** The simulation parameters of a probe's measurements (`SimParams` names; absent: the default). */
export function simParamsFromCalibration(
  calibration: Pick<EstimateCalibration, "cache"> | undefined,
): Partial<SimParams> {
  const cache = calibration?.cache;
  if (!cache) return {};
  const out: Partial<SimParams> = {};
  if (cache.concurrency !== undefined) out.concurrency = cache.concurrency;
  if (cache.batchReadRate !== undefined) out.batchReadRate = cache.batchReadRate;
  if (cache.syncToBatchVisibility !== undefined)
    out.syncToBatchVisibility = cache.syncToBatchVisibility;
  if (cache.visibilityDelayMs !== undefined) out.visibilityDelayMs = cache.visibilityDelayMs;
  if (cache.ttlMs !== undefined) out.ttlMs = { ...cache.ttlMs };
  return out;
}

/**
 * The planner's options with a probe's measurements: `concurrency` (a cold group of n is expected
 * to write min(n, concurrency) times) from the cold batch, unless the options give one.
 */
export function planOptionsFromCalibration(
  calibration: Pick<EstimateCalibration, "cache"> | undefined,
  options: PlanOptions = {},
): PlanOptions {
  const concurrency = calibration?.cache?.concurrency;
  if (concurrency === undefined || options.concurrency !== undefined) return options;
  return { ...options, concurrency };
}

/** `options` with the calibration's cache parameters under the caller's own `simParams`. */
export function withCalibratedSimParams(options: EstimateOptions): EstimateOptions {
  const fromProbe = simParamsFromCalibration(options.calibration);
  if (Object.keys(fromProbe).length === 0) return options;
  return { ...options, simParams: { ...fromProbe, ...options.simParams } };
}

/** The note on the cache parameters a probe measured, if any. */
function cacheNote(cache: CacheCalibration | undefined, options: EstimateOptions): string[] {
  if (!cache) return [];
  const used = simParamsFromCalibration({ cache });
  const names = Object.keys(used).filter((k) => !(options.simParams && k in options.simParams));
  if (names.length === 0) return [];
  const shown = names.map((k) => `${k} ${JSON.stringify(used[k as keyof SimParams])}`).join(", ");
  const planned =
    options.plannedModel === "expected" ? ' (not used by `plannedModel: "expected"`)' : "";
  return [
    `Cache behaviour measured by \`cacheplan probe\` on ${cache.model} (${cache.measuredAt.slice(0, 10)}): ${shown}; \`planned\` is simulated with it${planned}.`,
  ];
}

/**
 * Multiplies each model's prefix, breakpoint and tail token counts by its calibration factor, in
 * place; returns the factors applied. A factor must be a positive number.
 */
export function applyCalibration(
  calibration: EstimateCalibration | undefined,
  plan: Pick<Plan, "groups">,
  job: Pick<EstimateJob, "trees"> & { records: ReadonlyArray<{ model: string }> },
  counts: Pick<EstimateCounts, "prefixOf" | "deltaOf" | "tailOf">,
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

/** The notes on the factors and cache parameters applied, if any. */
export function calibrationNotes(
  calibrated: ReadonlyArray<[string, number]>,
  options: EstimateOptions,
  counterName: string,
): string[] {
  const calibration = options.calibration;
  const cache = cacheNote(calibration?.cache, options);
  if (calibrated.length === 0) return cache;
  return [
    ...cache,
    `Token counts calibrated by a report's measurement: ${calibrated.map(([m, f]) => `${m} ×${f.toFixed(4)}`).join(", ")}${calibration!.counter !== counterName ? ` (measured against \`${calibration!.counter}\`, applied to \`${counterName}\`)` : ""}.`,
  ];
}
