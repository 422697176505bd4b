/**
 * The simulated runs behind `planned` (internal): the default run at the plan's concurrency, and
 * the sensitivity runs at a quarter and four times of it; the range they give, and how the
 * estimate says which model it used.
 */
import { SIM_DEFAULTS } from "../sim/params.js";
import type { Plan } from "../types.js";
import { roundUsd } from "./_accumulate.js";
import type { EstimateCounts } from "./_counts.js";
import type { EstimateSettings } from "./_options.js";
import type { EstimateJob } from "./_records.js";
import { SENSITIVITY_MAX_REQUESTS, type SimulatedRun, simulatePlan } from "./_simulated.js";
import type { EstimateOptions, PlannedModelInfo, PlannedRange } from "./types.js";

/** The default run (none with `plannedModel: "expected"`) and the sensitivity runs. */
export interface PlannedRuns {
  main: SimulatedRun | undefined;
  others: SimulatedRun[];
  /** The concurrencies asked for, the default first. */
  concurrencies: number[];
}

/** What `planned` writes and reads: the default run first, then the sensitivity runs. */
export function plannedRuns(
  plan: Plan,
  job: EstimateJob,
  counts: EstimateCounts,
  settings: EstimateSettings,
  options: EstimateOptions,
): PlannedRuns {
  const simParams = options.simParams ?? {};
  const concurrency = simParams.concurrency ?? plan.options.concurrency;
  const sensitivity = options.sensitivity ?? job.records.length <= SENSITIVITY_MAX_REQUESTS;
  const concurrencies = [concurrency];
  if (sensitivity) {
    for (const c of [Math.max(1, Math.round(concurrency / 4)), concurrency * 4])
      if (!concurrencies.includes(c)) concurrencies.push(c);
  }
  const runs: SimulatedRun[] =
    settings.plannedModel === "simulate"
      ? simulatePlan(plan, job.records, {
          deltaOf: counts.deltaOf,
          models: settings.models,
          simParams,
          output: settings.output,
          concurrencies,
        })
      : [];
  const [main, ...others] = runs;
  return { main, others, concurrencies };
}

/** `planned` of the default run (`usd`, from the figures) and of the sensitivity runs (`sums`). */
export function plannedRange(
  runs: PlannedRuns,
  usd: number,
  sums: readonly number[] | undefined,
): PlannedRange | null {
  const { main, others } = runs;
  if (main === undefined || others.length === 0) return null;
  const list = [
    { concurrency: main.concurrency, usd },
    ...others.map((run, k) => ({ concurrency: run.concurrency, usd: roundUsd(sums?.[k] ?? 0) })),
  ].sort((a, b) => a.concurrency - b.concurrency);
  const values = list.map((run) => run.usd);
  return { low: Math.min(...values), high: Math.max(...values), runs: list };
}

/** Which model gave `planned`, with the run's parameters. */
export function plannedInfo(
  plan: Pick<Plan, "options">,
  runs: PlannedRuns,
  options: EstimateOptions,
): PlannedModelInfo {
  const { main, others } = runs;
  if (!main) return { kind: "expected", concurrency: plan.options.concurrency };
  return {
    kind: "simulate",
    concurrency: main.concurrency,
    seed: options.simParams?.seed ?? SIM_DEFAULTS.seed,
    sensitivity: others.length > 0 ? [...runs.concurrencies].sort((a, b) => a - b) : null,
    fallbackRequests: main.fallbacks,
    wallTimeMs: Math.round(main.wallTimeMs),
  };
}
