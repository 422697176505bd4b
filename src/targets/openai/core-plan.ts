/**
 * An OpenAI plan in the project's plan format (`Plan`, `plan.json` and batch files), so that the
 * plan folder, `readPlan()`, the runner (`submit`, `status`, `cancel`, `retry`) and the report work
 * on it like on any other target's. Batch files hold `{custom_id, params}` lines whose `params`
 * is the OpenAI `body`; the backend writes the Batch API line (`toBatchLine`, which gets the
 * endpoint back from the body's shape). OpenAI specifics (cache mode, endpoint, prompt_cache_key)
 * ride along on each group as extra fields, and the warnings and notes as `target` findings.
 */
import type {
  BatchRequest,
  Plan,
  PlannedBreakpoint,
  PlannedGroup,
  ResolvedPlanOptions,
} from "../../types.js";
import type { OpenAIPlan } from "./types.js";

/** The explicit TTL written where the plan format names a TTL (`30m`; see caching.ts). */
const TTL_30M = "30m" as unknown as PlannedBreakpoint["ttl"];

/** The OpenAI fields a converted group carries besides `PlannedGroup`'s. */
export interface OpenAIGroupExtra {
  cacheMode: "automatic" | "explicit";
  endpoint: string;
  promptCacheKey: string | null;
  keyOrigin: "planner" | "user" | null;
}

/** `plan` as a project `Plan` (`options.target: "openai"`). */
export function toCorePlan(plan: OpenAIPlan): Plan {
  const options: ResolvedPlanOptions = {
    strategy: plan.options.strategy,
    ttl: "auto",
    userMarkers: plan.options.userMarkers,
    maxRequests: plan.options.maxRequests,
    maxBytes: plan.options.maxBytes,
    maxWaves: plan.options.maxWaves,
    concurrency: plan.options.concurrency,
    counter: plan.options.counter,
    target: "openai",
    ...(plan.options.maxEnqueuedTokens === null
      ? {}
      : ({ maxEnqueuedTokens: plan.options.maxEnqueuedTokens } as object)),
  } as ResolvedPlanOptions;
  const groups = plan.groups.map((g): PlannedGroup & OpenAIGroupExtra => ({
    id: g.id,
    model: g.model,
    requests: g.requests,
    sharedTokens: g.sharedTokens,
    breakpoints: g.breakpoints.map((b) => ({
      id: b.id,
      segment: b.segment,
      depth: b.depth,
      prefixTokens: b.prefixTokens,
      requests: b.requests,
      ttl: TTL_30M,
      mode: b.mode,
      origin: "planner",
      expectedWrites: b.expectedWrites,
      expectedReads: b.expectedReads,
    })),
    primers: g.primers,
    inputUnits: inputUnits(g),
    why: g.why,
    customIds: g.customIds,
    cacheMode: g.cacheMode,
    endpoint: g.endpoint,
    promptCacheKey: g.promptCacheKey,
    keyOrigin: g.keyOrigin,
  }));
  const warnings: Plan["warnings"] = [
    ...plan.warnings.map((w) => ({
      kind: "target" as const,
      target: "openai",
      topic: w.kind,
      ...(w.model ? { model: w.model } : {}),
      message: w.message,
    })),
    ...plan.notes.map((message) => ({
      kind: "target" as const,
      target: "openai",
      topic: "uncertain",
      message,
    })),
  ];
  return {
    version: 1,
    options,
    groups,
    batches: plan.batches.map((b) => ({
      index: b.index,
      wave: b.wave,
      requests: b.requests.map(
        (r) => ({ custom_id: r.custom_id, params: r.body }) as unknown as BatchRequest,
      ),
      requestCount: b.requestCount,
      bytes: b.bytes,
      model: b.model,
    })),
    warnings,
    rejected: plan.rejected,
    summary: {
      inputRequests: plan.summary.inputRequests,
      planned: plan.summary.planned,
      rejected: plan.summary.rejected,
      grouped: plan.summary.grouped,
      waves: plan.summary.waves,
      batches: plan.summary.batches,
      markersAdded: plan.summary.breakpointsAdded + plan.summary.cacheKeysSet,
      markersRemoved: 0,
      byModel: plan.summary.byModel,
    },
  };
}

/** Expected input units of a group's shared prefix (tokens × multiplier): uncached and planned. */
function inputUnits(g: OpenAIPlan["groups"][number]): { uncached: number; planned: number } {
  const uncached = g.sharedTokens * g.requests;
  if (g.cacheMode === "automatic") {
    return { uncached, planned: g.sharedTokens * (1 + (g.requests - 1) * 0.1) };
  }
  let planned = 0;
  let above = 0;
  for (const b of g.breakpoints) {
    const delta = b.prefixTokens - above;
    planned += delta * (b.expectedWrites * 1.25 + b.expectedReads * 0.1);
    above = b.prefixTokens;
  }
  return { uncached, planned };
}
