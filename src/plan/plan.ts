import { OptionsError } from "../errors.js";
import { modelTableOf } from "../pricing/models.js";
import { JsonSizer } from "../request/json-size.js";
import { ContextInterner } from "../request/segments.js";
import { API_MAX_BYTES, API_MAX_REQUESTS } from "../targets/anthropic/limits.js";
import { checkTargetId, loadTarget } from "../targets/index.js";
import type { TargetLimits } from "../targets/target.js";
import { createTiktokenCounter } from "../tokens/tiktoken.js";
import { type Plan, type PlanOptions, type ResolvedPlanOptions, STRATEGIES } from "../types.js";
import { wholeNumber } from "../util/options.js";
import { packBatches } from "./_batching.js";
import { type Accepted, type PlanContext, Warnings } from "./_context.js";
import { describeGroups, warnGroups } from "./_groups.js";
import { readRequests } from "./_intake.js";
import { planModel } from "./_model.js";
import { placeMarkers } from "./_placement.js";
import { chooseWaves } from "./_wave-choice.js";

/** What `plan()` accepts: request objects, or `JsonlLine`s from `readJsonl()` to keep line numbers. */
export type PlanInput = Iterable<unknown> | AsyncIterable<unknown>;

/** The default target's batch limits (Anthropic Message Batches, reference §5.2). */
const DEFAULT_LIMITS: Pick<TargetLimits, "maxRequests" | "maxBytes"> = {
  maxRequests: API_MAX_REQUESTS,
  maxBytes: API_MAX_BYTES,
};

/**
 * Applies defaults and checks ranges against the target's limits; throws `OptionsError` naming
 * the option.
 */
export function resolvePlanOptions(
  options: PlanOptions = {},
  limits: Pick<TargetLimits, "maxRequests" | "maxBytes"> = DEFAULT_LIMITS,
): ResolvedPlanOptions {
  checkTargetId(options.target);
  const strategy = options.strategy ?? "auto";
  if (!(STRATEGIES as readonly string[]).includes(strategy)) {
    const known = STRATEGIES.map((s) => JSON.stringify(s)).join(", ");
    throw new OptionsError(
      `\`strategy\` must be one of ${known}; got ${JSON.stringify(strategy)}.`,
    );
  }
  const ttl = options.ttl ?? "auto";
  if (!["auto", "5m", "1h"].includes(ttl)) {
    throw new OptionsError(
      `\`ttl\` must be one of "auto", "5m", "1h"; got ${JSON.stringify(ttl)}.`,
    );
  }
  const userMarkers = options.userMarkers ?? "keep";
  if (userMarkers !== "keep" && userMarkers !== "replace") {
    throw new OptionsError(
      `\`userMarkers\` must be "keep" or "replace"; got ${JSON.stringify(userMarkers)}.`,
    );
  }
  const maxRequests = wholeNumber(
    "maxRequests",
    options.maxRequests,
    limits.maxRequests,
    1,
    limits.maxRequests,
  );
  const maxBytes = wholeNumber(
    "maxBytes",
    options.maxBytes,
    limits.maxBytes,
    1024,
    limits.maxBytes,
  );
  const maxWaves =
    options.maxWaves === undefined || options.maxWaves === "auto"
      ? "auto"
      : wholeNumber("maxWaves", options.maxWaves, 2, 1, 5);
  const concurrency = wholeNumber("concurrency", options.concurrency, 64, 1, 100_000);
  if (options.splitText !== undefined && typeof options.splitText !== "boolean") {
    throw new OptionsError(
      `\`splitText\` must be true or false; got ${JSON.stringify(options.splitText)}.`,
    );
  }
  if (strategy === "primed" && maxWaves !== "auto" && maxWaves < 2) {
    throw new OptionsError(
      '`strategy: "primed"` needs `maxWaves` of at least 2 (one wave for primers); use `strategy: "cold"` for one wave.',
    );
  }
  return {
    strategy,
    ttl,
    userMarkers,
    maxRequests,
    maxBytes,
    maxWaves,
    concurrency,
    counter: options.counter?.name ?? "tiktoken-estimate",
    ...(options.splitText === true ? { splitText: true as const } : {}),
  };
}

/**
 * Plans a job: validates every request, groups them by shared prefix per model, places identical
 * `cache_control` breakpoints where they pay, chooses TTLs and primer waves, orders requests and
 * splits them into batches. Pure: same input and options, same plan.
 */
export async function plan(requests: PlanInput, options: PlanOptions = {}): Promise<Plan> {
  const ctx = await createContext(options);
  const intake = await readRequests(requests, ctx, new ContextInterner());
  const byModel = partitionByModel(ctx.accepted);
  for (const [model, indices] of byModel) await planModel(ctx, model, indices);
  const waves = chooseWaves(ctx);
  const placed = placeMarkers(ctx);
  const { batches, groupBatches } = packBatches(ctx, placed, waves);
  const groups = describeGroups(ctx, batches);
  warnGroups(ctx, groups, groupBatches);
  if (ctx.options.ttl === "5m" && waves.lastWave > 0)
    ctx.warnings.push({ kind: "ttl-short-for-waves", waves: waves.lastWave + 1 });

  const modelCounts: Record<string, number> = {};
  for (const [model, list] of byModel) modelCounts[model] = list.length;
  const rejected = intake.rejected.sort((a, b) => a.line - b.line);
  return {
    version: 1,
    options: ctx.options,
    groups,
    batches,
    warnings: ctx.warnings.list,
    rejected,
    summary: {
      inputRequests: intake.inputRequests,
      planned: ctx.accepted.length,
      rejected: rejected.length,
      grouped: groups.reduce((s, g) => s + g.requests, 0),
      waves: waves.lastWave + 1,
      batches: batches.length,
      markersAdded: placed.markersAdded,
      markersRemoved: placed.markersRemoved,
      byModel: modelCounts,
    },
  };
}

/** The target, the resolved options, the model table and counter, and empty planner state. */
async function createContext(options: PlanOptions): Promise<PlanContext> {
  const target = await loadTarget(checkTargetId(options.target));
  const resolved = resolvePlanOptions(options, target.limits);
  const models = options.models ?? modelTableOf(target);
  return {
    options: resolved,
    models,
    counter: options.counter ?? createTiktokenCounter({ models }),
    replace: resolved.userMarkers === "replace",
    sizer: new JsonSizer(),
    warnings: new Warnings(),
    accepted: [],
    marks: [],
    placed: new Map(),
    groupTops: [],
    pathOf: [],
    order: [],
    waves: [],
    tokensOf: new Map(),
    cutMemo: new Map(),
    nextNodeId: 0,
  };
}

/** Accepted request indices by model, models in order of first appearance: caches are per model (reference §1.6). */
function partitionByModel(accepted: readonly Accepted[]): Map<string, number[]> {
  const byModel = new Map<string, number[]>();
  accepted.forEach((a, i) => {
    const list = byModel.get(a.model) ?? [];
    list.push(i);
    byModel.set(a.model, list);
  });
  return byModel;
}
