/**
 * `estimate()`: what a plan will cost, before anything is sent, in five scenarios (see
 * `ScenarioName`). Pure apart from the token counter it is given: no clock, no disk; the exact
 * counter's network and cache live in `tokens/exact.ts`.
 *
 * Per request: the shared prefix comes from the plan's breakpoints (`prefixTokens`, nested ones as
 * differences), the unique tail is counted (or sampled) with the counter, output is an assumption.
 * What `planned` writes and reads comes from a simulated run of the plan (`_simulated.ts`), or
 * from the plan's expectations. Each scenario's tokens are priced per request with `costByKind()`,
 * so `inference_geo` and long-context tiers apply per request, then summed per group, per model
 * and for the job.
 */
import { unknownModelMessage } from "../pricing/unknown-model.js";
import { withTargetRows } from "../targets/rows.js";
import type { Plan } from "../types.js";
import { countTokens } from "./_counts.js";
import { estimateFigures } from "./_figures.js";
import { writeNotes } from "./_notes.js";
import { resolveEstimateOptions } from "./_options.js";
import { plannedInfo, plannedRuns } from "./_planned-runs.js";
import { readJob } from "./_records.js";
import { priceRequests } from "./_scenarios.js";
import { applyCalibration, calibrationNotes, withCalibratedSimParams } from "./calibration.js";
import type { Estimate, EstimateOptions } from "./types.js";

export { DEFAULT_OUTPUT_FRACTION, DEFAULT_SAMPLE_SIZE } from "./_options.js";
export { SENSITIVITY_MAX_REQUESTS } from "./_simulated.js";

/**
 * Estimates what a plan costs in the five scenarios, per group, per model and in total.
 *
 * A model not in the table is estimated with conservative cache facts and no price: its USD is
 * left out of every total, listed in `unpriced`, and the first note says how to supply a row.
 * @throws {OptionsError} when an option is out of range.
 *
 * @example
 * ```ts
 * const result = await plan(requests);
 * const costs = await estimate(result, { outputFraction: 0.3 });
 * costs.total.scenarios.planned.usd;
 * ```
 */
export async function estimate(plan: Plan, options: EstimateOptions = {}): Promise<Estimate> {
  // A Vertex or Bedrock plan is priced with that target's rows unless `models` is given (issue 15).
  options = await withTargetRows(plan.options.target, options);
  const settings = resolveEstimateOptions(options);
  const { counter, models } = settings;
  const job = readJob(plan, models);
  const counts = await countTokens(plan, job, settings);
  const calibrated = applyCalibration(options.calibration, plan, job, counts);
  const runs = plannedRuns(plan, job, counts, settings, withCalibratedSimParams(options));
  const sums = priceRequests(job, plan.groups.length, counts, runs, settings.output);
  const { byModel, groups, total } = estimateFigures({ plan, models, job, counts, runs, sums });
  const { tails } = counts;
  const { unknown, records } = job;
  const result: Estimate = {
    counter: counter.name,
    estimated: counter.estimated || (tails !== undefined && sums.total.unsampled > 0),
    count: {
      mode: settings.mode,
      sampledRequests: tails ? tails.sampledRequests : records.length,
      requests: records.length,
      seed: settings.seed,
      charsPerToken: tails?.charsPerToken ?? {},
    },
    output: {
      assumption: settings.output,
      assumedTokens: Math.round(sums.assumedOutput),
      maxTokens: sums.maxOutput,
    },
    plannedModel: plannedInfo(plan, runs, options),
    byModel,
    groups,
    total,
    notes: [],
    ...(unknown.size > 0
      ? { unpriced: [...unknown].map(([model, requests]) => ({ model, requests })) }
      : {}),
    ...splitTextSaving(plan),
  };
  result.notes = writeNotes(result, {
    plan,
    models,
    counterEstimated: counter.estimated,
    usRequests: sums.usRequests,
    tiered: sums.tiered,
    strays: sums.strays,
  });
  result.notes.unshift(...calibrationNotes(calibrated, options, counter.name));
  if (unknown.size > 0) result.notes.unshift(unknownModelMessage(unknown));
  return result;
}

/** What `splitText` would save, summed over the plan's `split-text` warnings (issue 13). */
export function splitTextSaving(plan: Pick<Plan, "warnings">): Pick<Estimate, "splitText"> {
  let groups = 0;
  let requests = 0;
  let savingUsd = 0;
  for (const w of plan.warnings) {
    if (w.kind !== "split-text") continue;
    groups += w.groups ?? 1; // one warning stands for the groups past those listed
    requests += w.requests;
    savingUsd += w.savingUsd ?? 0;
  }
  return groups === 0 ? {} : { splitText: { groups, requests, savingUsd } };
}
