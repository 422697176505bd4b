/**
 * The same job priced on every target that serves its models, side by side (issue 15 item 3,
 * `cacheplan estimate --compare`): the job's requests are planned again for each target (its
 * rules, its model rows), estimated with that target's rows, and, for Bedrock, the "on-demand with
 * caching" alternative is added per shared prefix (batch inference caches nothing, §2.6; the
 * on-demand tier has cache rates, §2.7). Pure apart from the token counter.
 */

import { plan as planJob, resolvePlanOptions } from "../plan/plan.js";
import { finishForTarget, targetPlanOptions } from "../plan/target-rules.js";
import { type ModelTable, modelTableOf } from "../pricing/models.js";
import { loadTarget, type TargetId, targets } from "../targets/index.js";
import { bedrockGeoOf, modelIdsOf } from "../targets/model-ids.js";
import type { Target } from "../targets/target.js";
import type { BatchRequest, Plan, PlanOptions } from "../types.js";
import { estimate } from "./estimate.js";
import type { Estimate, EstimateOptions } from "./types.js";

/** What the job costs on one target. */
export interface TargetCost {
  target: TargetId;
  /** The target's name for people. */
  name: string;
  /** Models of the job the target's rows do not price (their USD is left out, never $0). */
  unpriced: string[];
  /** USD per scenario on this target (`planned` is the plan's expected cost there). */
  standard: number;
  batch: number;
  planned: number;
  /**
   * Bedrock only: every request on demand with caching, each shared prefix written once and read
   * by the others (the `ideal` tokens of an Anthropic-style plan at on-demand prices).
   */
  onDemandCached?: number;
  /** Bedrock only: per shared prefix the cheaper of batch (no cache) and on demand with caching. */
  bestMix?: number;
  /** The cheapest way on this target, and its USD. */
  best: { route: string; usd: number };
  /** What is uncertain about these figures. */
  notes: string[];
}

/** The comparison. */
export interface TargetComparison {
  /** One row per registered target that prices at least one model of the job. */
  targets: TargetCost[];
  /** Targets left out because none of the job's models has a row there. */
  notServed: TargetId[];
}

/** Targets compared: Anthropic, Vertex and Bedrock (others register their own comparison). */
const COMPARED: readonly TargetId[] = (["anthropic", "vertex", "bedrock"] as const).filter((id) =>
  Object.hasOwn(targets, id),
) as TargetId[];

/**
 * The plan options a plan was made with, for planning the same job again; those a target forced
 * (Bedrock: no markers, one wave) are left to each target's defaults.
 */
function askedOf(planned: Plan): PlanOptions {
  const { strategy, ttl, userMarkers, maxWaves, concurrency, splitText } = planned.options;
  const forced = planned.options.target === "bedrock";
  return {
    ...(forced ? {} : { strategy, userMarkers, maxWaves }),
    ttl,
    concurrency,
    ...(splitText ? { splitText } : {}),
  };
}

/**
 * The job planned for a target without relying on `plan()` knowing the target: its forced options
 * and model rows, Anthropic's batch limits at most (the planner's checks), then the target's finish.
 */
export async function planForTarget(
  requests: readonly BatchRequest[],
  asked: PlanOptions,
  target: Target,
  models: ModelTable,
): Promise<Plan> {
  const { target: _asked, ...others } = asked;
  const base = { ...others, models };
  // The target's limits and forced options for its batches; the planner's own run keeps
  // Anthropic's limits (it does not know the target) and is cut again by `finishForTarget`.
  const forced = targetPlanOptions(resolvePlanOptions(base, target.limits), target);
  const planned = await planJob(requests, {
    ...base,
    strategy: forced.strategy,
    userMarkers: forced.userMarkers,
    maxWaves: forced.maxWaves,
  });
  return finishForTarget(
    { ...planned, options: forced },
    { ...asked, target: target.id as TargetId, models },
  );
}

/** Sum of priced USD of a scenario (unpriced models are 0 and listed apart). */
const usdOf = (e: Estimate, scenario: "standard" | "batch" | "planned" | "ideal") =>
  e.total.scenarios[scenario].usd;

/** One shared prefix on Bedrock: batch without caching against on demand with caching. */
export interface OnDemandGroup {
  model: string;
  requests: number;
  sharedTokens: number;
  /** USD of the group's requests in a batch (no caching). */
  batchUsd: number;
  /** USD of the same requests on demand, the prefix written once and read by the others. */
  onDemandUsd: number;
}

/** Bedrock's on-demand-with-caching figures from an Anthropic-style cold plan of the job. */
async function bedrockOnDemand(
  requests: readonly BatchRequest[],
  models: ModelTable,
  target: Target,
  options: EstimateOptions,
  batchUsd: number,
): Promise<{ onDemandCached: number; bestMix: number; groups: OnDemandGroup[] }> {
  // On demand, requests are sent one after another (the client paces them), so each prefix is
  // written once and read after: concurrency 1 places a breakpoint wherever that pays, nested
  // levels included (at a batch's 64 a nested group of 40 would write 40 times and go unmarked).
  const shadow = await planJob(requests, {
    strategy: "cold",
    maxWaves: 1,
    concurrency: 1,
    userMarkers: "replace",
    models,
    ...(options.counter ? { counter: options.counter } : {}),
  });
  const e = await estimate(shadow, {
    ...options,
    models,
    plannedModel: "expected",
    sensitivity: false,
  });
  // `ideal` is priced at batch rates; every factor is a product, so on demand is ideal / batch.
  const onDemandCached = usdOf(e, "ideal") / target.prices.batch;
  let bestMix = batchUsd;
  const groups: OnDemandGroup[] = [];
  for (const [i, g] of e.groups.entries()) {
    const onDemand = g.scenarios.ideal.usd / target.prices.batch;
    if (onDemand < g.scenarios.batch.usd) bestMix -= g.scenarios.batch.usd - onDemand;
    const planned = shadow.groups[i]!;
    groups.push({
      model: g.model,
      requests: g.requests,
      sharedTokens: planned.sharedTokens,
      batchUsd: g.scenarios.batch.usd,
      onDemandUsd: onDemand,
    });
  }
  return { onDemandCached, bestMix, groups };
}

/**
 * A Bedrock plan's alternative (issue 15 item 3): per shared prefix of the job, what its requests
 * cost on demand with caching against in a batch without it, the whole job on demand, and the
 * best mix; with the advice that goes with it. `undefined` for another target.
 */
export async function bedrockAlternative(
  planned: Plan,
  options: EstimateOptions = {},
): Promise<
  | {
      batchUsd: number;
      onDemandCached: number;
      bestMix: number;
      groups: OnDemandGroup[];
      advice: string;
    }
  | undefined
> {
  if (planned.options.target !== "bedrock") return undefined;
  const target = await loadTarget("bedrock");
  const models = options.models ?? modelTableOf(target);
  const requests = planned.batches.flatMap((b) => b.requests);
  const e = await estimate(planned, { ...options, models, sensitivity: false });
  const batchUsd = usdOf(e, "batch");
  const alt = await bedrockOnDemand(requests, models, target, options, batchUsd);
  const cheaper = alt.groups.filter((g) => g.onDemandUsd < g.batchUsd);
  const advice =
    cheaper.length === 0
      ? "Batch without caching is the cheaper way on Bedrock for this job: no shared prefix pays on demand."
      : `Send the ${cheaper.reduce((n, g) => n + g.requests, 0)} requests of ${cheaper.length} shared prefix${cheaper.length === 1 ? "" : "es"} on demand with caching (InvokeModel with \`cache_control\`) and the rest in batch: ${usd(alt.bestMix)} instead of ${usd(batchUsd)}. Or use Claude Platform on AWS, where batch and cache discounts stack (\`--target anthropic\`).`;
  return { batchUsd, ...alt, advice };
}

/** The Bedrock alternative as text. */
export function renderBedrockAlternative(
  alt: NonNullable<Awaited<ReturnType<typeof bedrockAlternative>>>,
): string {
  const lines = [
    "",
    "On Bedrock: batch without caching vs on demand with caching (USD, estimated)",
  ];
  lines.push(
    `  ${"model".padEnd(20)}${"requests".padStart(9)}${"shared tok".padStart(11)}${"batch".padStart(12)}${"on demand".padStart(12)}`,
  );
  for (const g of alt.groups)
    lines.push(
      `  ${g.model.padEnd(20).slice(0, 20)}${String(g.requests).padStart(9)}${g.sharedTokens.toLocaleString("en-US").padStart(11)}${usd(g.batchUsd).padStart(12)}${usd(g.onDemandUsd).padStart(12)}`,
    );
  lines.push(
    `  whole job: batch ${usd(alt.batchUsd)}, on demand with caching ${usd(alt.onDemandCached)}, best mix ${usd(alt.bestMix)}`,
  );
  lines.push(`  ${alt.advice}`);
  lines.push(
    "  Uncertain: Bedrock batch caching is absent per secondary sources only (other-batch-systems.md §2.6); on-demand assumes each prefix written once, then read.",
  );
  return `${lines.join("\n")}\n`;
}

/** Notes on what is uncertain about one target's figures. */
function notesOf(target: Target): string[] {
  if (target.id === "vertex")
    return [
      "Vertex rows are the regional price, Anthropic's list × 1.1 (batch jobs need a regional location; the uplift is from one secondary quote, other-batch-systems.md §3.7): uncertain.",
      "Cache hits inside Vertex batch jobs are unmeasured (§3.6): `planned` assumes Anthropic's behaviour.",
    ];
  if (target.id === "bedrock")
    return [
      "Bedrock batch inference has no prompt caching (§2.6, secondary sources): `planned` equals `batch`.",
      "On demand with caching assumes each shared prefix is written once and read by the others (5m writes at 1.25×, reads at the row's read multiplier, no batch discount).",
      "Bedrock rows: global routing at Anthropic's list (checked for Sonnet 4.6 only); regional routing costs +10%.",
    ];
  return [];
}

/**
 * The id a request names on target `id`, from the one model-id table: a Bedrock id or profile
 * stays on Bedrock; elsewhere (and for Anthropic or Vertex ids on Bedrock) the Anthropic id, which
 * every target's rows know. An id the table does not know is kept.
 */
function modelFor(id: TargetId, model: string): string {
  const ids = modelIdsOf(model);
  if (ids === undefined) return model;
  if (id === "bedrock" && (model === ids.bedrock || bedrockGeoOf(model) !== undefined))
    return model;
  return ids.anthropic;
}

const withModel = (r: BatchRequest, model: string): BatchRequest =>
  r.params.model === model ? r : ({ ...r, params: { ...r.params, model } } as BatchRequest);

/** The job's cost on one target, or `undefined` when none of its models has a row there. */
async function costOn(
  id: TargetId,
  requests: readonly BatchRequest[],
  asked: PlanOptions,
  options: EstimateOptions,
  overrides: ModelTable | undefined,
): Promise<TargetCost | undefined> {
  const target = await loadTarget(id);
  const models = id === "anthropic" && overrides ? overrides : modelTableOf(target);
  requests = requests.map((r) => withModel(r, modelFor(id, String(r.params.model))));
  const jobModels = new Set(requests.map((r) => String(r.params.model)));
  const unpriced = [...jobModels].filter((m) => models.get(m) === undefined);
  if (unpriced.length === jobModels.size) return undefined;
  const planned = await planForTarget(requests, asked, target, models);
  const e = await estimate(planned, { ...options, models });
  const cost: TargetCost = {
    target: id,
    name: target.name,
    unpriced,
    standard: usdOf(e, "standard"),
    batch: usdOf(e, "batch"),
    planned: usdOf(e, "planned"),
    best: { route: "batch, planned caching", usd: usdOf(e, "planned") },
    notes: notesOf(target),
  };
  if (target.caching.markers === "none") {
    const extra = await bedrockOnDemand(requests, models, target, options, cost.batch);
    cost.onDemandCached = extra.onDemandCached;
    cost.bestMix = extra.bestMix;
    cost.best =
      extra.bestMix < cost.batch - 1e-9
        ? { route: "shared prefixes on demand with caching, the rest in batch", usd: extra.bestMix }
        : { route: "batch, no caching", usd: cost.batch };
  }
  return cost;
}

/**
 * The same job's cost on every target that serves its models. `plan` is any plan of the job (its
 * requests and options are reused); `options.models` overrides the Anthropic rows only (each
 * cloud uses its own rows).
 */
export async function compareTargets(
  planned: Plan,
  options: EstimateOptions = {},
): Promise<TargetComparison> {
  const requests = planned.batches.flatMap((b) => b.requests);
  const asked = askedOf(planned);
  const rows: TargetCost[] = [];
  const notServed: TargetId[] = [];
  for (const id of COMPARED) {
    const cost = await costOn(id, requests, asked, options, options.models);
    if (cost) rows.push(cost);
    else notServed.push(id);
  }
  return { targets: rows, notServed };
}

const usd = (value: number | undefined) =>
  value === undefined
    ? "—"
    : `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The comparison as text for an 80-column terminal. */
export function renderComparison(c: TargetComparison): string {
  const lines = ["Same job on each target (USD, estimated)"];
  lines.push(
    `  ${"target".padEnd(10)}${"standard".padStart(12)}${"batch".padStart(12)}${"planned".padStart(12)}${"best".padStart(12)}  route`,
  );
  for (const t of c.targets) {
    lines.push(
      `  ${t.target.padEnd(10)}${usd(t.standard).padStart(12)}${usd(t.batch).padStart(12)}${usd(t.planned).padStart(12)}${usd(t.best.usd).padStart(12)}  ${t.best.route}`,
    );
    if (t.onDemandCached !== undefined)
      lines.push(
        `  ${"".padEnd(10)}on demand with caching, every request: ${usd(t.onDemandCached)}`,
      );
    if (t.unpriced.length > 0)
      lines.push(`  ${"".padEnd(10)}no price for ${t.unpriced.join(", ")} (left out)`);
  }
  if (c.notServed.length > 0)
    lines.push(`  not served (no row for any model of the job): ${c.notServed.join(", ")}`);
  const notes = c.targets.flatMap((t) => t.notes.map((n) => `${t.target}: ${n}`));
  if (notes.length > 0) {
    lines.push("", "Uncertain");
    for (const n of notes) lines.push(`  - ${n}`);
  }
  return `${lines.join("\n")}\n`;
}
