import { OptionsError } from "../errors.js";
import { modelTableOf } from "../pricing/models.js";
import { JsonSizer } from "../request/json-size.js";
import { API_MAX_BYTES, API_MAX_REQUESTS } from "../targets/anthropic/limits.js";
import { checkTargetId, loadTarget } from "../targets/index.js";
import type { TargetLimits } from "../targets/target.js";
import { createTiktokenCounter } from "../tokens/tiktoken.js";
import {
  type BatchRequest,
  type Plan,
  type PlanOptions,
  type ResolvedPlanOptions,
  STRATEGIES,
} from "../types.js";
import { wholeNumber } from "../util/options.js";
import { type Batching, type BatchSlot, packBatches, waveOrder } from "./_batching.js";
import { type Accepted, type PlanContext, Warnings } from "./_context.js";
import { describeGroups, warnGroups } from "./_groups.js";
import { type Intake, IntakeSink, readRequests } from "./_intake.js";
import { planModel } from "./_model.js";
import { type MarkerCounts, nameMarks, placeRequest, unchanged } from "./_placement.js";
import { FirstPieces } from "./_slim.js";
import { MemorySource, type RequestSource } from "./_source.js";
import { chooseWaves, type JobWaves } from "./_wave-choice.js";
import { finishForTarget, targetPlanOptions } from "./target-rules.js";

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
    ...(options.maxQueued === undefined
      ? {}
      : { maxQueued: wholeNumber("maxQueued", options.maxQueued, 1, 1) }),
  };
}

/**
 * Plans a job: validates every request, groups them by shared prefix per model, places identical
 * `cache_control` breakpoints where they pay, chooses TTLs and primer waves, orders requests and
 * splits them into batches. Pure: same input and options, same plan.
 */
export async function plan(requests: PlanInput, options: PlanOptions = {}): Promise<Plan> {
  const source = new MemorySource();
  const ctx = await createContext(options, source);
  const decided = await decide(requests, ctx);
  const n = ctx.accepted.length;
  const placed: BatchRequest[] = new Array(n);
  const bytes: number[] = new Array(n);
  for (let r = 0; r < n; r++) {
    placed[r] = placeRequest(ctx, r, source.load(r));
    bytes[r] = unchanged(ctx, r) ? ctx.accepted[r]!.bytes : ctx.sizer.bytes(placed[r]);
  }
  const batching = packBatches(ctx, decided.byWave, (r) => bytes[r]!);
  const planned = assemblePlan(ctx, decided, batching, (slot) => ({
    index: slot.index,
    wave: slot.wave,
    requests: slot.members.map((r) => placed[r]!),
    requestCount: slot.requestCount,
    bytes: slot.bytes,
  }));
  return finishForTarget(planned, options);
}

/** What the planner decided before any request is written out. */
export interface Decisions {
  intake: Intake;
  byModel: Map<string, number[]>;
  waves: JobWaves;
  /** Accepted indices of each wave, in planned order. */
  byWave: number[][];
  counts: MarkerCounts;
}

/**
 * The index pass and every decision: reads and validates the requests (keeping only what
 * `Accepted` holds), plans each model, chooses waves and names the marks.
 */
export async function decide(
  requests: PlanInput | ((sink: IntakeSink) => Promise<Intake>),
  ctx: PlanContext,
): Promise<Decisions> {
  const intake =
    typeof requests === "function"
      ? await requests(new IntakeSink(ctx))
      : await readRequests(requests, ctx);
  const byModel = partitionByModel(ctx.accepted);
  for (const [model, indices] of byModel) await planModel(ctx, model, indices);
  const waves = chooseWaves(ctx);
  const counts = nameMarks(ctx);
  return { intake, byModel, waves, byWave: waveOrder(ctx, waves), counts };
}

/** The plan from its decisions and batches; `batchOf` gives each batch its final form. */
export function assemblePlan<B>(
  ctx: PlanContext,
  decided: Decisions,
  batching: Batching,
  batchOf: (slot: BatchSlot) => B,
): Omit<Plan, "batches"> & { batches: B[] } {
  const { batches: slots, groupBatches } = batching;
  const groups = describeGroups(ctx, slots);
  warnGroups(ctx, groups, groupBatches);
  if (ctx.options.ttl === "5m" && decided.waves.lastWave > 0)
    ctx.warnings.push({ kind: "ttl-short-for-waves", waves: decided.waves.lastWave + 1 });

  const modelCounts: Record<string, number> = {};
  for (const [model, list] of decided.byModel) modelCounts[model] = list.length;
  const rejected = decided.intake.rejected.sort((a, b) => a.line - b.line);
  return {
    version: 1,
    options: ctx.options,
    groups,
    batches: slots.map(batchOf),
    warnings: ctx.warnings.list,
    rejected,
    summary: {
      inputRequests: decided.intake.inputRequests,
      planned: ctx.accepted.length,
      rejected: rejected.length,
      grouped: groups.reduce((s, g) => s + g.requests, 0),
      waves: decided.waves.lastWave + 1,
      batches: slots.length,
      markersAdded: decided.counts.markersAdded,
      markersRemoved: decided.counts.markersRemoved,
      byModel: modelCounts,
    },
  };
}

/** The target, the resolved options, the model table and counter, and empty planner state. */
export async function createContext(
  options: PlanOptions,
  source: RequestSource,
): Promise<PlanContext> {
  const target = await loadTarget(checkTargetId(options.target));
  const resolved = targetPlanOptions(resolvePlanOptions(options, target.limits), target);
  const models = options.models ?? modelTableOf(target);
  return {
    options: resolved,
    models,
    counter: options.counter ?? createTiktokenCounter({ models }),
    replace: resolved.userMarkers === "replace",
    sizer: new JsonSizer(),
    warnings: new Warnings(),
    accepted: [],
    source,
    firstPieces: new FirstPieces(),
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
