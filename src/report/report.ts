/**
 * `report()`: what a job's results say about caching and cost, against its plan and estimate.
 * Pure: no clock, no network, no disk (the CLI reads the files). The results stream through once
 * into running sums per figure and a map of the `custom_id`s seen; nothing else is kept per line.
 */
import { OptionsError } from "../errors.js";
import type { Estimate } from "../estimate/types.js";
import { defaultModelTable, type ModelTable } from "../pricing/models.js";
import { targetResults, withTargetRows } from "../targets/rows.js";
import { breakdowns, groupReports, writesPerGroup } from "./_breakdowns.js";
import { indexPlan, type PlanIndex, type ReportPlan } from "./_index.js";
import { reportNotes } from "./_notes.js";
import { finishResults, readResults } from "./_read.js";
import { verdictOf } from "./_summary.js";
import { ReportSums } from "./_sums.js";
import { targetReportNotes } from "./_target-notes.js";
import { calibrationOf } from "./calibration.js";
import {
  HIT_RATE_DEFINITIONS,
  type Report,
  type ReportInput,
  type ReportOptions,
} from "./types.js";

export { NO_MODEL } from "./_sums.js";

/**
 * Reports on a job's batch results: requests by result type (and planned requests with no
 * result), tokens by kind, hit rates, real USD from each `usage` with stacked prices, per group,
 * wave, batch and model, against the estimate's `planned` and `ideal` figures, with miss
 * attribution per group and a per-model calibration of the token estimate.
 *
 * Bad input (a line that is not JSON, a `custom_id` twice or not in the plan, results of another
 * plan, planned requests without a result) is returned in `problems`, never thrown: the figures
 * then cover the usable lines only, and `complete` is false.
 *
 * @throws {OptionsError} when `estimate` is given without `plan`, or belongs to another plan.
 * @throws {InputError} when `plan` repeats a `custom_id` (`readPlan()` refuses such a folder too).
 *
 * For a plan folder too large to read whole, `reportFolder()` gives the same report.
 *
 * @example
 * ```ts
 * const planned = await readPlan("plan/");
 * const result = await report(readJsonl("results.jsonl"), { plan: planned, estimate: await estimate(planned) });
 * result.overall.hitRate; // share of input tokens read from cache
 * ```
 */
export async function report(results: ReportInput, options: ReportOptions = {}): Promise<Report> {
  const { plan, estimate } = options;
  if (estimate && !plan)
    throw new OptionsError("`estimate` needs the `plan` it was made from; pass both.");
  return reportOn(
    results,
    plan ? { plan, index: indexPlan(plan, estimate) } : undefined,
    estimate,
    options.models,
  );
}

/**
 * The report of `results` against a plan indexed (`index`, made with `estimate`): what `report()`
 * and `reportFolder()` share.
 */
export async function reportOn(
  results: ReportInput,
  planned: { plan: ReportPlan; index: PlanIndex } | undefined,
  estimate: Estimate | undefined,
  models: ModelTable | undefined,
): Promise<Report> {
  const plan = planned?.plan;
  // A Vertex or Bedrock plan: its rows, and its results read through its `readResult` (issue 15).
  const target = plan?.options.target;
  const rows = await withTargetRows(target, models ? { models } : {});
  const sums = new ReportSums(planned, estimate, rows.models ?? defaultModelTable);
  const lines = await readResults(await targetResults(target, results), sums);
  finishResults(sums);
  const calibration = calibrationOf(sums);
  const groups = groupReports(sums, calibration);
  const withEstimate = estimate !== undefined;
  const overall = sums.overall.figures(withEstimate);
  const ungrouped = plan ? sums.ungrouped.figures(withEstimate) : null;
  const breakdown = breakdowns(sums);
  const problems = sums.problems.list();
  const complete = problems.length === 0;
  return {
    version: 1,
    complete,
    verdict: verdictOf(overall, { groups: plan ? plan.groups.length : undefined, complete }),
    overall,
    groups,
    ungrouped,
    ...breakdown,
    writesPerGroup: writesPerGroup(groups),
    calibration,
    problems,
    notes: [
      ...reportNotes({
        plan: plan !== undefined,
        estimate: withEstimate,
        overall,
        ungrouped: ungrouped ?? undefined,
        tally: sums.tally,
      }),
      ...targetReportNotes(target, overall),
    ],
    definitions: { ...HIT_RATE_DEFINITIONS },
    lines,
  };
}
