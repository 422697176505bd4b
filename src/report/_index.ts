/**
 * What the report needs to know about each planned request (internal): its group, wave, batch and
 * model, whether its prefix drifts from its group's, and what the estimate expects of it. Built
 * once from the plan; the results are then streamed against it.
 */
import { OptionsError } from "../errors.js";
import type { Estimate, EstimateFigures } from "../estimate/types.js";
import { addTokens, type TokenBreakdown, zeroTokens } from "../pricing/cost.js";
import {
  ContextInterner,
  lastCacheable,
  type Segment,
  segmentRequest,
} from "../request/segments.js";
import type { BatchRequest, Plan, PlannedGroup } from "../types.js";
import { hashText } from "../util/hash.js";
import type { Json } from "../util/json.js";

/** A scenario's tokens and USD by kind, for one request (a stratum's mean). */
export interface ScenarioShare {
  tokens: TokenBreakdown;
  usdByKind: TokenBreakdown;
}

/** What the estimate expects of one request: its stratum's mean in `planned` and `ideal`. */
export interface Expected {
  planned: ScenarioShare;
  ideal: ScenarioShare;
}

/** One planned request. */
export interface PlannedRequest {
  /** Index in `plan.groups`, or -1. */
  group: number;
  wave: number;
  /** Index in `plan.batches`. */
  batch: number;
  model: string;
  /** Its top-level prefix differs from the one most of its group shares. */
  drifted: boolean;
  /** What the estimate expects of it; undefined without an estimate. */
  expected: Expected | undefined;
  /** A result line was counted for it. */
  seen: boolean;
}

/** Facts of one group, from its requests. */
export interface GroupShape {
  /** Distinct deepest entries that no other request's path passes through: the ideal number of writing requests. */
  idealWrites: number;
  /** Distinct top-level prefixes. */
  variants: number;
}

export interface PlanIndex {
  byId: Map<string, PlannedRequest>;
  groups: GroupShape[];
  /** Per group, the part of the estimate credited once, when any of its requests succeeded; `[]` without an estimate. */
  fixed: Expected[];
}

/** Depths (1-based) of a request's markers; a top-level marker lands on the last cacheable block (§1.4). */
function markerDepths(segments: readonly Segment[], topLevel: boolean): number[] {
  const depths: number[] = [];
  segments.forEach((s, d) => {
    if (s.marker !== null) depths.push(d + 1);
  });
  const last = lastCacheable(segments);
  if (topLevel && last >= 0) depths.push(last + 1);
  return depths;
}

function prefixKey(segments: readonly Segment[], depth: number): string {
  return hashText(
    segments
      .slice(0, depth)
      .map((s) => s.key)
      .join("|"),
  );
}

/**
 * Shape of one group from its requests: entry keys at the group's breakpoint depths (the cache
 * key is the exact prefix up to the marked block, reference fact 1).
 */
function groupShape(
  group: PlannedGroup,
  requests: readonly BatchRequest[],
  interner: ContextInterner,
): { shape: GroupShape; drifted: Set<string> } {
  const depths = new Set(group.breakpoints.map((b) => b.depth));
  const top = group.breakpoints[0]?.depth ?? 0;
  const topKeys = new Map<string, string>();
  const paths: string[][] = [];
  const counts = new Map<string, number>();
  for (const request of requests) {
    const { segments, topLevelMarker } = segmentRequest(request, interner);
    const marked = markerDepths(segments, topLevelMarker !== null)
      .filter((d) => depths.has(d))
      .sort((a, b) => a - b);
    const path = (marked.length > 0 ? marked : [top]).map((d) => prefixKey(segments, d));
    paths.push(path);
    const topKey = prefixKey(segments, top);
    topKeys.set(request.custom_id, topKey);
    counts.set(topKey, (counts.get(topKey) ?? 0) + 1);
  }
  const inner = new Set<string>();
  for (const path of paths) for (const key of path.slice(0, -1)) inner.add(key);
  const leaves = new Set(paths.map((p) => p[p.length - 1]!).filter((k) => !inner.has(k)));
  let majority = "";
  let best = -1;
  for (const [key, n] of counts) {
    if (n > best) {
      best = n;
      majority = key;
    }
  }
  const drifted = new Set<string>();
  for (const [id, key] of topKeys) if (key !== majority) drifted.add(id);
  return { shape: { idealWrites: Math.max(1, leaves.size), variants: counts.size }, drifted };
}

function share(figures: EstimateFigures, s: "planned" | "ideal", factor: number): ScenarioShare {
  return {
    tokens: addTokens(zeroTokens(), figures.scenarios[s].tokens, factor),
    usdByKind: addTokens(zeroTokens(), figures.scenarios[s].usdByKind, factor),
  };
}

function scale(figures: EstimateFigures, factor: number): Expected {
  return { planned: share(figures, "planned", factor), ideal: share(figures, "ideal", factor) };
}

/**
 * A group's estimate split so that any subset of k of its n requests can be credited: an entry
 * is written once however many requests follow, so the writes are credited whole (`fixed`, once
 * the group has a succeeded request); the reads go to the other k − 1 (R/(n − 1) per request, and
 * one share taken back in `fixed`); input and output per request (1/n each).
 */
function groupShares(figures: EstimateFigures): { perRequest: Expected; fixed: Expected } {
  const n = figures.requests;
  const split = (s: "planned" | "ideal") => {
    const whole = figures.scenarios[s];
    const perRequest = share(figures, s, n > 0 ? 1 / n : 0);
    const fixed = { tokens: zeroTokens(), usdByKind: zeroTokens() };
    for (const key of ["tokens", "usdByKind"] as const) {
      perRequest[key].cacheWrite5m = perRequest[key].cacheWrite1h = 0;
      perRequest[key].cacheRead = n > 1 ? whole[key].cacheRead / (n - 1) : 0;
      fixed[key].cacheWrite5m = whole[key].cacheWrite5m;
      fixed[key].cacheWrite1h = whole[key].cacheWrite1h;
      fixed[key].cacheRead = -perRequest[key].cacheRead;
    }
    return { perRequest, fixed };
  };
  const planned = split("planned");
  const ideal = split("ideal");
  return {
    perRequest: { planned: planned.perRequest, ideal: ideal.perRequest },
    fixed: { planned: planned.fixed, ideal: ideal.fixed },
  };
}

/** Per-request shares of the estimate: per group (plus its fixed part), per model outside groups. */
function strata(plan: Plan, estimate: Estimate, planned: number) {
  if (estimate.total.requests !== planned || estimate.groups.length !== plan.groups.length)
    throw new OptionsError(
      `\`estimate\` does not belong to \`plan\`: it covers ${estimate.total.requests} requests in ${estimate.groups.length} groups, the plan ${planned} in ${plan.groups.length}. Pass \`estimate(plan)\` of the same plan.`,
    );
  const group = plan.groups.map((g, k) => {
    const e = estimate.groups[k]!;
    if (e.id !== g.id)
      throw new OptionsError(
        `\`estimate\` does not belong to \`plan\`: its group ${k + 1} is ${e.id}, the plan's ${g.id}.`,
      );
    return groupShares(e);
  });
  const model = new Map<string, Expected>();
  for (const [id, m] of Object.entries(estimate.byModel)) {
    let requests = m.requests;
    const rest = scale(m, 1);
    plan.groups.forEach((g, k) => {
      if (g.model !== id) return;
      const e = estimate.groups[k]!;
      requests -= e.requests;
      for (const s of ["planned", "ideal"] as const) {
        addTokens(rest[s].tokens, e.scenarios[s].tokens, -1);
        addTokens(rest[s].usdByKind, e.scenarios[s].usdByKind, -1);
      }
    });
    if (requests > 0) {
      for (const s of ["planned", "ideal"] as const) {
        rest[s].tokens = addTokens(zeroTokens(), rest[s].tokens, 1 / requests);
        rest[s].usdByKind = addTokens(zeroTokens(), rest[s].usdByKind, 1 / requests);
      }
      model.set(id, rest);
    }
  }
  return { group, model };
}

/** Indexes a plan's requests by `custom_id`. */
export function indexPlan(plan: Plan, estimate: Estimate | undefined): PlanIndex {
  const byId = new Map<string, PlannedRequest>();
  const groupOf = new Map<string, number>();
  plan.groups.forEach((g, k) => {
    for (const id of g.customIds) groupOf.set(id, k);
  });
  const members = plan.groups.map((): BatchRequest[] => []);
  plan.batches.forEach((batch, b) => {
    for (const request of batch.requests) {
      const group = groupOf.get(request.custom_id) ?? -1;
      if (group >= 0) members[group]!.push(request);
      byId.set(request.custom_id, {
        group,
        wave: batch.wave,
        batch: b,
        model: String((request.params as unknown as Json).model),
        drifted: false,
        expected: undefined,
        seen: false,
      });
    }
  });
  const interner = new ContextInterner();
  const groups = plan.groups.map((g, k) => {
    const { shape, drifted } = groupShape(g, members[k]!, interner);
    for (const id of drifted) byId.get(id)!.drifted = true;
    return shape;
  });
  if (!estimate) return { byId, groups, fixed: [] };
  const { group, model } = strata(plan, estimate, byId.size);
  for (const r of byId.values())
    r.expected = r.group >= 0 ? group[r.group]!.perRequest : model.get(r.model);
  return { byId, groups, fixed: group.map((g) => g.fixed) };
}
