/**
 * Puts the placed requests into batches (internal): wave by wave, in planned order, cut under
 * `maxRequests` and `maxBytes` by `splitBatches`.
 */
import type { PlanContext } from "./_context.js";
import { BODY_OVERHEAD_BYTES, type SplitItem, splitBatches } from "./_split.js";
import type { JobWaves } from "./_wave-choice.js";

/** A batch as the planner decides it: its requests by accepted index. */
export interface BatchSlot {
  index: number;
  wave: number;
  /** Accepted indices, in batch order. */
  members: number[];
  requestCount: number;
  /** Bytes of the serialized body `{"requests":[...]}`. */
  bytes: number;
}

/** The batches, and per wave the batches each group's requests went to (group → batch indices). */
export interface Batching {
  batches: BatchSlot[];
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

/** Accepted indices of each wave in planned order, wave 0 first: the order of the batch files. */
export function waveOrder(ctx: PlanContext, waves: JobWaves): number[][] {
  const byWave = Array.from({ length: waves.lastWave + 1 }, (): number[] => []);
  for (const r of ctx.order) {
    byWave[waves.waveOf?.[r] ?? waves.primerWave[r] ?? waves.lastWave]!.push(r);
  }
  return byWave;
}

/**
 * Batches of every wave, wave 0 first. `bytes(r)` is the serialized size of accepted request `r`
 * as it will be sent.
 */
export function packBatches(
  ctx: PlanContext,
  byWave: readonly number[][],
  bytes: (request: number) => number,
): Batching {
  const batches: BatchSlot[] = [];
  const groupBatches: Map<number, Set<number>>[] = [];
  for (let wave = 0; wave < byWave.length; wave++) {
    const inWave = byWave[wave]!;
    const perGroup = new Map<number, Set<number>>();
    groupBatches.push(perGroup);
    const items: SplitItem[] = inWave.map((r) => ({
      bytes: bytes(r),
      unit: groupOfRequest(ctx, r),
    }));
    const { batches: ranges } = splitBatches(items, ctx.options.maxRequests, ctx.options.maxBytes);
    for (const [start, end] of ranges) {
      const index = batches.length;
      let sum = 0;
      for (let k = start; k < end; k++) {
        const g = items[k]!.unit;
        sum += items[k]!.bytes;
        if (g >= 0) (perGroup.get(g) ?? perGroup.set(g, new Set()).get(g)!).add(index);
      }
      batches.push({
        index,
        wave,
        members: inWave.slice(start, end),
        requestCount: end - start,
        bytes: BODY_OVERHEAD_BYTES + sum + (end - start) - 1,
      });
    }
  }
  return { batches, groupBatches };
}
