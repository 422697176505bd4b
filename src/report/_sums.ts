/**
 * The running sums of a report (internal): one `Bucket` per figure (the job, each model, group,
 * wave and batch), each group's cache activity, the tallies behind the notes, and what was seen.
 * The results stream through once into these; nothing else is kept per line.
 */

import type { Estimate } from "../estimate/types.js";
import { costByKind, costOf, totalInputTokens } from "../pricing/cost.js";
import type { ModelInfo, ModelTable } from "../pricing/models.js";
import { Bucket, type RequestCost } from "./_bucket.js";
import type { PlanIndex, PlannedRequest, ReportPlan } from "./_index.js";
import type { UsageFacts } from "./_lines.js";
import { ProblemCollector } from "./_problems.js";
import { SeenResults } from "./_seen.js";
import type { GroupActivity } from "./attribution.js";

/** The model key of results that name none (errored, canceled or expired ones without a plan). */
export const NO_MODEL = "(no model)";

/** Counts behind the report's notes. */
export interface Tally {
  unsplit: number;
  unsplitTokens: number;
  mismatched: number;
  notBatch: number;
  us: number;
  usFlat: number;
}

/** What `report()` reads and adds to as the results stream through. */
export class ReportSums {
  readonly plan: ReportPlan | undefined;
  readonly estimate: Estimate | undefined;
  readonly models: ModelTable;
  readonly index: PlanIndex | undefined;
  readonly overall = new Bucket();
  readonly byModel = new Map<string, Bucket>();
  /** By group index of the plan. */
  readonly groups: Bucket[];
  readonly activity: GroupActivity[];
  readonly ungrouped = new Bucket();
  /** By batch index of the plan. */
  readonly batches: Bucket[];
  readonly waves = new Map<number, Bucket>();
  readonly problems = new ProblemCollector();
  /** Where each `custom_id` was first seen (with a plan, the index keeps it). */
  readonly seen = new SeenResults();
  readonly tally: Tally = {
    unsplit: 0,
    unsplitTokens: 0,
    mismatched: 0,
    notBatch: 0,
    us: 0,
    usFlat: 0,
  };
  /** Models without a row, with the succeeded requests that name them. */
  readonly unknownModels = new Map<string, number>();

  /** `index`: of `plan`'s requests (with `estimate`), given with it. */
  constructor(
    plan: { plan: ReportPlan; index: PlanIndex } | undefined,
    estimate: Estimate | undefined,
    models: ModelTable,
  ) {
    this.plan = plan?.plan;
    this.estimate = estimate;
    this.models = models;
    this.index = plan?.index;
    this.groups = (this.plan?.groups ?? []).map(() => new Bucket());
    this.activity = (this.plan?.groups ?? []).map(newActivity);
    this.batches = (this.plan?.batches ?? []).map(() => new Bucket());
    for (const b of this.plan?.batches ?? [])
      if (!this.waves.has(b.wave)) this.waves.set(b.wave, new Bucket());
  }

  /** The buckets a result of `model` adds to: the job, its model, and (when planned) its group, wave and batch. */
  bucketsOf(model: string, planned: PlannedRequest | undefined): Bucket[] {
    let m = this.byModel.get(model);
    if (!m) {
      m = new Bucket();
      this.byModel.set(model, m);
    }
    if (!planned) return [this.overall, m];
    return [
      this.overall,
      m,
      planned.group >= 0 ? this.groups[planned.group]! : this.ungrouped,
      this.waves.get(planned.wave)!,
      this.batches[planned.batch]!,
    ];
  }
}

function newActivity(): GroupActivity {
  return { writers: new Map(), readers: new Map(), idle: 0, idleDrifted: 0, idleLargest: 0 };
}

/** USD of one succeeded request, per request so tiers and `inference_geo` apply (cost.ts). */
export function requestCost(info: ModelInfo, usage: UsageFacts): RequestCost {
  const flags = { batch: usage.batch, geo: usage.geo };
  const uncached = { ...usage.tokens, input: totalInputTokens(usage.tokens) };
  uncached.cacheWrite5m = uncached.cacheWrite1h = uncached.cacheRead = 0;
  return {
    usdByKind: costByKind(info, usage.tokens, flags),
    standard: costOf(info, uncached, { batch: false, geo: usage.geo }),
    batch: costOf(info, uncached, { batch: true, geo: usage.geo }),
  };
}
