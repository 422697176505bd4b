/**
 * Puts the placed requests into batches (internal): wave by wave, in planned order, cut under
 * `maxRequests` and `maxBytes` by `splitBatches`.
 */
import type { PlannedBatch } from "../types.js";
import type { PlanContext } from "./_context.js";
import type { PlacedRequests } from "./_placement.js";
import { BODY_OVERHEAD_BYTES, type SplitItem, splitBatches } from "./_split.js";
import type { JobWaves } from "./_wave-choice.js";

/** The batches, and per wave the batches each group's requests went to (group → batch indices). */
export interface Batching {
  batches: PlannedBatch[];
  /**
   * By wave: the batch indices of each group, groups in order of first appearance. A group split
   * across waves is by design (its primer goes first), so batches are counted per wave.
   */
  groupBatches: Map<number, Set<number>>[];
}

/** The group of an accepted request (index into `ctx.groupTops`), or -1 when it is in none. */
export function groupOfRequest(ctx: PlanContext, request: number): number {
  const top = ctx.pathOf[request]?.[0];
  return top === undefined ? -1 : top.group;
}

/** Batches of every wave, wave 0 first. */
export function packBatches(ctx: PlanContext, placed: PlacedRequests, waves: JobWaves): Batching {
  const { lastWave } = waves;
  const batches: PlannedBatch[] = [];
  const groupBatches: Map<number, Set<number>>[] = [];
  const byWave = Array.from({ length: lastWave + 1 }, (): number[] => []);
  for (const r of ctx.order) byWave[waves.primerWave[r] ?? lastWave]!.push(r);
  for (let wave = 0; wave <= lastWave; wave++) {
    const inWave = byWave[wave]!;
    const perGroup = new Map<number, Set<number>>();
    groupBatches.push(perGroup);
    const items: SplitItem[] = inWave.map((r) => ({
      bytes: placed.bytes[r]!,
      unit: groupOfRequest(ctx, r),
    }));
    const { batches: ranges } = splitBatches(items, ctx.options.maxRequests, ctx.options.maxBytes);
    for (const [start, end] of ranges) {
      const members = inWave.slice(start, end);
      const index = batches.length;
      for (let k = start; k < end; k++) {
        const g = items[k]!.unit;
        if (g >= 0) (perGroup.get(g) ?? perGroup.set(g, new Set()).get(g)!).add(index);
      }
      batches.push({
        index,
        wave,
        requests: members.map((r) => placed.requests[r]!),
        requestCount: members.length,
        bytes:
          BODY_OVERHEAD_BYTES +
          members.reduce((s, r) => s + placed.bytes[r]!, 0) +
          members.length -
          1,
      });
    }
  }
  return { batches, groupBatches };
}
