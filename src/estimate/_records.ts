/**
 * The plan's requests as the estimate reads them (internal): one record per request in plan
 * order, with its model row, segments, markers, and the breakpoints on its path.
 */
import type { ModelInfo, ModelTable } from "../pricing/models.js";
import { rowOf } from "../pricing/unknown-model.js";
import { lastCacheable, type WalkedSegment, walkedSegments } from "../request/segments.js";
import type { Plan } from "../types.js";
import type { Json } from "../util/json.js";
import { type BreakpointNode, breakpointTree, type PathMember, resolvePaths } from "./_paths.js";

/** One planned request. */
export interface EstimateRecord extends PathMember {
  customId: string;
  model: string;
  info: ModelInfo;
  params: Json;
  geo: "us" | "global" | undefined;
  maxTokens: number;
  /** Index of its group in `plan.groups`, or -1. */
  group: number;
}

/** The plan's requests and its groups' breakpoint trees. */
export interface EstimateJob {
  /** In plan order. */
  records: EstimateRecord[];
  /** Models without a row in the table, with their request counts. */
  unknown: Map<string, number>;
  /** Breakpoint tree of each group. */
  trees: BreakpointNode[][];
  /** Each group's records, in the planner's depth-first order. */
  membersOf: EstimateRecord[][];
}

/** Reads the plan's requests and resolves which breakpoints each one carries. */
export function readJob(plan: Plan, models: ModelTable): EstimateJob {
  const { records, unknown } = readRecords(plan, models);
  const trees = plan.groups.map((g) => breakpointTree(g));
  const membersOf = plan.groups.map((): EstimateRecord[] => []);
  for (const r of records) if (r.group >= 0) membersOf[r.group]!.push(r);
  membersOf.forEach((members, g) => {
    members.sort((a, b) => a.order - b.order);
    resolvePaths(trees[g]!, members);
  });
  return { records, unknown, trees, membersOf };
}

/** Requests in plan order; `order` puts the last wave first, which is the planner's depth-first order. */
function readRecords(
  plan: Plan,
  models: ModelTable,
): { records: EstimateRecord[]; unknown: Map<string, number> } {
  const groupOf = new Map<string, number>();
  plan.groups.forEach((g, k) => {
    for (const id of g.customIds) groupOf.set(id, k);
  });
  const lastWave = plan.batches.reduce((m, b) => Math.max(m, b.wave), 0);
  const records: EstimateRecord[] = [];
  const unknown = new Map<string, number>();
  let position = 0;
  for (const batch of plan.batches) {
    for (const request of batch.requests) {
      position += 1;
      const params = request.params as unknown as Json;
      const model = String(params.model);
      // A model without a row is estimated with the stand-in row: its tokens count, its USD is
      // left out (priced at nothing, and said so) — the one unknown-model policy.
      const { info, known } = rowOf(models, model);
      if (!known) unknown.set(model, (unknown.get(model) ?? 0) + 1);
      const segments = walkedSegments(params);
      records.push({
        customId: request.custom_id,
        model,
        info,
        params,
        geo:
          params.inference_geo === "us"
            ? "us"
            : params.inference_geo === "global"
              ? "global"
              : undefined,
        maxTokens: typeof params.max_tokens === "number" ? params.max_tokens : 0,
        group: groupOf.get(request.custom_id) ?? -1,
        segments,
        markers: markerDepths(params, segments),
        order: (batch.wave === lastWave ? 0 : 1e12) + position,
        path: [],
      });
    }
  }
  return { records, unknown };
}

/** Marker depths of a request; the top-level marker lands on its last cacheable block (§1.4). */
function markerDepths(params: Json, segments: readonly WalkedSegment[]): Set<number> {
  const depths = new Set<number>();
  segments.forEach((s, d) => {
    if (s.marker) depths.add(d + 1);
  });
  const last = lastCacheable(segments);
  if (params.cache_control != null && last >= 0) depths.add(last + 1);
  return depths;
}
