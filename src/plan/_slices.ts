/**
 * Plans that know the processing queue (internal; issue 14 item 5). The Message Batches API runs
 * at most so many requests of an organisation at once (reference §5.6: 200,000 / 300,000 /
 * 500,000 by tier), and the runner keeps its batches under `maxQueued`. A job larger than that
 * queue, planned as two waves (every primer, then every reader), would run its readers slice
 * after slice; a group whose readers come late would find its primed entry expired (1h TTL,
 * refreshed by reads; reference facts 6, 7). So, given `maxQueued`, the job is cut into slices of
 * at most `maxQueued` readers, group by group in planned order, each slice two waves: the primers
 * of the groups that start in it, then its readers. A group's primer thus runs just before its
 * readers.
 *
 * A group larger than a slice continues into the next slices. Between its last read in one slice
 * and its next readers come the rest of that readers' wave and the next primer wave; batches
 * usually take 5 minutes to 1 hour (reference fact 16), so the planner counts up to an hour each
 * ({@link ASSUMED_WAVE_MS}): more than the TTL, so such a group is primed again at the start of
 * each later slice (one of its readers moves into the slice's primer wave and writes the entry
 * once more). That write is priced: the mark's expected writes and reads are updated, and the
 * estimate reads them.
 */
import { TTL_MS } from "../targets/anthropic/caching.js";
import { groupOfRequest } from "./_batching.js";
import type { PlanContext } from "./_context.js";

/** The longest a wave is counted to take: the top of "5 minutes to 1 hour" (reference fact 16). */
export const ASSUMED_WAVE_MS = 60 * 60_000;

/** What slicing made of the job's waves. */
export interface Sliced {
  /** Wave of every accepted request. */
  waveOf: number[];
  /** Waves in the plan. */
  waves: number;
  /** Slices (each a primer wave and a reader wave; an empty primer wave is dropped). */
  slices: number;
  /** Groups larger than a slice, primed again in later slices. */
  reprimedGroups: number;
  /** Re-primes (one per such group and later slice). */
  reprimes: number;
}

/** Readers of the job in planned order, as runs of one group (`-1`: in no group). */
function groupRuns(
  ctx: PlanContext,
  readers: readonly number[],
): Array<{ group: number; members: number[] }> {
  const runs: Array<{ group: number; members: number[] }> = [];
  for (const r of readers) {
    const group = groupOfRequest(ctx, r);
    const last = runs.at(-1);
    if (last && last.group === group && group >= 0) last.members.push(r);
    else runs.push({ group, members: [r] });
  }
  return runs;
}

/** Cuts the readers into slices of at most `max`, group by group; a group splits only when larger. */
function cutSlices(
  runs: ReturnType<typeof groupRuns>,
  max: number,
): {
  sliceOf: Map<number, number>;
  continuing: Array<{ group: number; slice: number; first: number }>;
} {
  const sliceOf = new Map<number, number>();
  const continuing: Array<{ group: number; slice: number; first: number }> = [];
  let slice = 0;
  let used = 0;
  for (const { group, members } of runs) {
    if (used + members.length > max && members.length <= max && used > 0) {
      slice += 1; // the whole group fits in the next slice: it is not split
      used = 0;
    }
    for (const [k, r] of members.entries()) {
      if (used === max) {
        slice += 1;
        used = 0;
        if (group >= 0 && k > 0) continuing.push({ group, slice, first: r });
      }
      sliceOf.set(r, slice);
      used += 1;
    }
  }
  return { sliceOf, continuing };
}

/** Whether a group continuing into a later slice finds its entry expired (see the module). */
function expiresBetweenSlices(ctx: PlanContext, group: number): boolean {
  const top = ctx.groupTops[group];
  if (top?.mark.mode !== "primed") return false; // a cold group writes again anyway
  const gapMs = 2 * ASSUMED_WAVE_MS; // the rest of its readers' wave, then the next primer wave
  return gapMs > TTL_MS[top.mark.ttl];
}

/** A re-prime of request `r` priced on the marks of its path: one more write, one read less. */
function priceReprime(ctx: PlanContext, r: number): void {
  for (const placed of ctx.pathOf[r] ?? []) {
    const stats = placed.stats;
    if (!stats || placed.mark.mode !== "primed" || stats.reads < 1) continue;
    stats.writes += 1;
    stats.reads -= 1;
    stats.primers.push(r);
  }
}

/**
 * Slices a two-wave job (`primerWave`: the wave of each primer, all 0) larger than `maxQueued`;
 * `null` when it fits in the queue (nothing to do).
 */
export function sliceJob(
  ctx: PlanContext,
  primerWave: readonly (number | undefined)[],
  maxQueued: number,
): Sliced | null {
  if (ctx.accepted.length <= maxQueued) return null;
  const readers = ctx.order.filter((r) => primerWave[r] === undefined);
  const { sliceOf, continuing } = cutSlices(groupRuns(ctx, readers), maxQueued);
  const firstSlice = new Map<number, number>();
  for (const r of readers) {
    const g = groupOfRequest(ctx, r);
    if (g >= 0 && !firstSlice.has(g)) firstSlice.set(g, sliceOf.get(r)!);
  }
  const raw: number[] = new Array(ctx.accepted.length);
  for (const r of ctx.order) {
    if (primerWave[r] !== undefined) raw[r] = 2 * (firstSlice.get(groupOfRequest(ctx, r)) ?? 0);
    else raw[r] = 2 * sliceOf.get(r)! + 1;
  }
  const reprimed = new Set<number>();
  let reprimes = 0;
  for (const c of continuing) {
    if (!expiresBetweenSlices(ctx, c.group)) continue;
    raw[c.first] = 2 * c.slice; // into the slice's primer wave
    priceReprime(ctx, c.first);
    reprimed.add(c.group);
    reprimes += 1;
  }
  // Waves numbered without the empty ones (a slice where no group starts has no primer wave).
  const used = [...new Set(raw)].sort((a, b) => a - b);
  const rank = new Map(used.map((w, i) => [w, i]));
  let last = 0;
  for (const w of raw) if (w > last) last = w;
  return {
    waveOf: raw.map((w) => rank.get(w)!),
    waves: used.length,
    slices: Math.floor(last / 2) + 1,
    reprimedGroups: reprimed.size,
    reprimes,
  };
}
