/**
 * The estimate's public figures (internal): per model, per group and for the job, with 95%
 * margins from the tail sample (variances add across models: their samples are independent) and
 * the `planned` range of the sensitivity runs.
 */
import type { ModelTable } from "../pricing/models.js";
import { rowOf } from "../pricing/unknown-model.js";
import type { Plan } from "../types.js";
import { type Bucket, figures, Z95 } from "./_accumulate.js";
import type { EstimateCounts } from "./_counts.js";
import { type BreakpointContext, breakEvenHitRate } from "./_notes.js";
import { type PlannedRuns, plannedRange } from "./_planned-runs.js";
import type { EstimateJob } from "./_records.js";
import type { ScenarioSums } from "./_scenarios.js";
import { type TailCounts, tailVariance } from "./_tails.js";
import type { EstimateFigures, GroupEstimate, ModelEstimate, ScenarioName } from "./types.js";

/** What the figures stage needs. */
export interface FigureInput {
  plan: Pick<Plan, "groups">;
  models: ModelTable;
  job: Pick<EstimateJob, "trees" | "unknown">;
  counts: Pick<EstimateCounts, "deltaOf"> & { tails: Pick<TailCounts, "fits"> | undefined };
  runs: PlannedRuns;
  sums: ScenarioSums;
}

/** Figures per model, per group and for the job. */
export function estimateFigures(input: FigureInput): {
  byModel: Record<string, ModelEstimate>;
  groups: GroupEstimate[];
  total: EstimateFigures;
} {
  const { sums, runs } = input;
  const { tails } = input.counts;
  const varianceOf = (model: string, bucket: Bucket) =>
    tails ? tailVariance(tails, model, bucket.unsampled, bucket.predictors) : 0;
  const modelVariance = new Map([...sums.byModel].map(([m, b]) => [m, varianceOf(m, b)]));
  const byModel: Record<string, ModelEstimate> = {};
  for (const [model, bucket] of sums.byModel) {
    const v = modelVariance.get(model)!;
    const f = figures(bucket, v, (s) => Z95 * Math.sqrt(v) * bucket.inputRate(s));
    byModel[model] = {
      ...f,
      plannedRange: plannedRange(runs, f.scenarios.planned.usd, sums.otherByModel.get(model)),
      priceConfidence: rowOf(input.models, model).info.priceConfidence,
      ...(input.job.unknown.has(model) ? { priced: false as const } : {}),
    };
  }
  const totalMargin = (s: ScenarioName) =>
    Z95 *
    Math.sqrt(
      [...sums.byModel].reduce(
        (sum, [m, b]) => sum + modelVariance.get(m)! * b.inputRate(s) ** 2,
        0,
      ),
    );
  const totalVariance = [...modelVariance.values()].reduce((a, b) => a + b, 0);
  const groups = groupFigures(input, varianceOf);
  const total = figures(sums.total, totalVariance, totalMargin);
  total.plannedRange = plannedRange(runs, total.scenarios.planned.usd, sums.otherTotal);
  return { byModel, groups, total };
}

function groupFigures(
  input: FigureInput,
  varianceOf: (model: string, bucket: Bucket) => number,
): GroupEstimate[] {
  const { plan, models, sums } = input;
  const contexts: BreakpointContext[][] = input.job.trees.map((tree, g) => {
    return tree.map((node) => ({
      bp: node.bp,
      delta: input.counts.deltaOf.get(node.bp)!,
      readMultiplier: rowOf(models, plan.groups[g]!.model).info.readMultiplier,
    }));
  });
  return plan.groups.map((g, k) => {
    const bucket = sums.byGroup[k]!;
    const v = varianceOf(g.model, bucket);
    const f = figures(bucket, v, (s) => Z95 * Math.sqrt(v) * bucket.inputRate(s));
    return {
      id: g.id,
      model: g.model,
      ...f,
      plannedRange: plannedRange(input.runs, f.scenarios.planned.usd, sums.otherByGroup[k]),
      breakEvenHitRate: breakEvenHitRate(contexts[k]!),
    };
  });
}
