/**
 * The plan's groups (internal): one per outermost breakpoint, with its breakpoints, primers,
 * expected cost and a sentence on why; and the warnings about groups (split across batches,
 * breakpoints just above the minimum).
 */
import { rowOf } from "../pricing/unknown-model.js";
import type { PlannedBreakpoint, PlannedGroup } from "../types.js";
import type { Batching, BatchSlot } from "./_batching.js";
import { groupOfRequest } from "./_batching.js";
import type { PlacedMark, PlanContext } from "./_context.js";
import { writeMultiplier } from "./_cost-model.js";

/** The groups in planned order, their members' `custom_id`s in batch order. */
export function describeGroups(ctx: PlanContext, batches: readonly BatchSlot[]): PlannedGroup[] {
  // Position of each grouped request in the planned order (accepted index → position).
  const positionOf = new Int32Array(ctx.accepted.length);
  let k = 0;
  for (const batch of batches) for (const r of batch.members) positionOf[r] = k++;
  // One pass each: marks and members per group (a job may have 100,000 tiny groups).
  const marksByGroup = ctx.groupTops.map((): PlacedMark[] => []);
  for (const placed of ctx.marks) marksByGroup[placed.group]!.push(placed);
  const membersByGroup = ctx.groupTops.map((): number[] => []);
  for (const r of ctx.order) {
    const g = groupOfRequest(ctx, r);
    if (g >= 0) membersByGroup[g]!.push(r);
  }
  return ctx.groupTops.map((top, g) => {
    const customIds = membersByGroup[g]!.sort((a, b) => positionOf[a]! - positionOf[b]!).map(
      (r) => ctx.accepted[r]!.customId,
    );
    return describeGroup(ctx, `g${g + 1}`, top, marksByGroup[g]!, customIds);
  });
}

function describeGroup(
  ctx: PlanContext,
  id: string,
  top: PlacedMark,
  marks: readonly PlacedMark[],
  customIds: string[],
): PlannedGroup {
  const breakpoints: PlannedBreakpoint[] = [];
  const primers = new Set<number>();
  let uncached = 0;
  let planned = 0;
  marks.forEach((placed, k) => {
    const { mark } = placed;
    const stats = placed.stats!;
    const node = mark.candidate.node;
    const delta = mark.candidate.tokens - (placed.parent?.mark.candidate.tokens ?? 0);
    uncached += delta * node.count;
    planned +=
      delta * (stats.writes * writeMultiplier(mark.ttl) + stats.reads * top.readMultiplier);
    for (const p of stats.primers) primers.add(p);
    breakpoints.push({
      id: `${id}.b${k + 1}`,
      segment: placed.label ?? `#${node.depth}`,
      depth: depthAsSent(placed),
      prefixTokens: mark.candidate.tokens,
      requests: node.count,
      ttl: mark.ttl,
      mode: mark.mode,
      origin: mark.origin,
      expectedWrites: stats.writes,
      expectedReads: stats.reads,
    });
  });
  const topBp = breakpoints[0]!;
  const primerIds = [...primers].map((r) => ctx.accepted[r]!.customId);
  const saved = uncached > 0 ? Math.round((1 - planned / uncached) * 100) : 0;
  return {
    id,
    model: top.model,
    requests: top.mark.candidate.node.count,
    sharedTokens: top.mark.candidate.tokens,
    breakpoints,
    primers: primerIds,
    inputUnits: { uncached: Math.round(uncached), planned: Math.round(planned) },
    why: `${topBp.requests} requests share ~${topBp.prefixTokens.toLocaleString("en-US")} tokens up to ${topBp.segment}${top.mark.origin === "user" ? " (marked by the user)" : ""}; ${how(top, breakpoints, primerIds.length)}. Expected cached-prefix input ${saved}% below uncached.`,
    customIds,
  };
}

/**
 * The breakpoint's depth in the request as sent: its segment's index as written, plus one for each
 * split above it on its path (a split turns one block into two, so the blocks after it, and a
 * deeper split of the same block, move one place on). Everything downstream (estimate, report,
 * simulator) walks the batch files, where those extra blocks are segments of their own.
 */
function depthAsSent(placed: PlacedMark): number {
  let splitsAbove = 0;
  for (let p = placed.parent; p !== undefined; p = p.parent) if (p.cut >= 0) splitsAbove += 1;
  return placed.segment + 1 + splitsAbove;
}

/** How the group's entries get written, and its deeper levels. */
function how(top: PlacedMark, breakpoints: readonly PlannedBreakpoint[], primers: number): string {
  const topBp = breakpoints[0]!;
  const writes =
    top.mark.mode === "primed"
      ? `primed: ${primers} primer${primers === 1 ? "" : "s"} in an earlier wave write${primers === 1 ? "s" : ""} the ${topBp.ttl} entr${breakpoints.length === 1 ? "y" : "ies"}, the other requests read`
      : `cold (${topBp.ttl}): about ${topBp.expectedWrites} of the ${topBp.requests} requests run before any write is visible and write; the rest read`;
  const levels =
    breakpoints.length > 1
      ? `; ${breakpoints.length - 1} deeper shared prefix${breakpoints.length > 2 ? "es" : ""} get their own breakpoint`
      : "";
  return writes + levels;
}

/** Groups split across batches of one wave, and planner breakpoints within 10% of the minimum. */
export function warnGroups(
  ctx: PlanContext,
  groups: readonly PlannedGroup[],
  groupBatches: Batching["groupBatches"],
): void {
  for (const perGroup of groupBatches) {
    for (const [g, set] of perGroup) {
      if (set.size > 1)
        ctx.warnings.capped({ kind: "group-split", group: `g${g + 1}`, batches: set.size });
    }
  }
  for (const group of groups) {
    for (const bp of group.breakpoints) {
      const minimum = rowOf(ctx.models, group.model).info.minCacheableTokens;
      if (bp.origin === "planner" && bp.prefixTokens < minimum * 1.1) {
        ctx.warnings.capped({
          kind: "near-minimum",
          group: group.id,
          segment: bp.segment,
          prefixTokens: bp.prefixTokens,
          minimum,
        });
      }
    }
  }
}
