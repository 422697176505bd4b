/**
 * The processing queue (internal). The Message Batches API limits the requests queued across all
 * unfinished batches of an organisation ("Max batch requests in processing queue": 200,000 /
 * 300,000 / 500,000 by tier, counted across all active batches, reference §5.6); a create beyond
 * it is refused with 429. The runner keeps the requests of its own unfinished batches (created,
 * being created, or not yet seen to end) at or under `maxQueued`, creating a wave's next batch as
 * earlier ones end; a 429 the limit still gives (other work of the organisation fills the queue)
 * is a wait of the `retry-after` the API asked for, never a failure.
 *
 * The runner counts whole batches until it has seen them end (the API counts requests still
 * waiting or running), so it never counts fewer than the API.
 */
import { OptionsError } from "../errors.js";
import type { RunContext } from "./_context.js";
import type { BatchRecord, RunState } from "./state.js";

/**
 * The default `maxQueued`: 100,000 requests. Conservative: half the smallest published queue of
 * the current tiers (Start, 200,000; reference §5.6), the whole queue of the superseded Tier 1
 * (100,000), and the most one batch may hold (100,000), so that any planned batch fits while
 * other work of the organisation (the queue is shared) keeps room. A larger organisation passes
 * its own (`--max-queued 500000` on Scale).
 */
export const DEFAULT_MAX_QUEUED = 100_000;

/** What the run knows of the queue between calls. */
export interface QueueState {
  /** Most requests of this run's unfinished batches. */
  max: number;
  /** Until when (this machine's clock, ms) a 429 asked to wait before the next create. */
  blockedUntil: number;
  /** The batch whose wait for room was last announced (announced once per wait). */
  announced: number | null;
  /**
   * 429s on create since the last create that went through: the backoff of a 429 without
   * `retry-after` grows with them (they are not create attempts).
   */
  refusals: number;
}

/** Whether a record's requests are in the processing queue as the runner counts them. */
function isQueued(record: BatchRecord): boolean {
  return record.state === "creating" || record.state === "submitted";
}

/** Requests of the run's batches that are being created or have not been seen to end. */
export function queuedRequests(state: RunState): number {
  let n = 0;
  for (const b of state.batches) if (isQueued(b)) n += b.requestCount;
  return n;
}

/** The run's batches being created or not yet seen to end. */
export function inFlight(state: RunState): number {
  return state.batches.filter(isQueued).length;
}

/**
 * Checks `maxQueued` against the plan: a whole number ≥ 1, and no batch larger than it (such a
 * batch could never be created).
 *
 * @throws {OptionsError} when it is not.
 */
export function checkMaxQueued(value: number | undefined, largest: number): number {
  const max = value ?? DEFAULT_MAX_QUEUED;
  if (!Number.isInteger(max) || max < 1) {
    throw new OptionsError(
      `\`maxQueued\` must be a whole number of requests ≥ 1; got ${JSON.stringify(value)}.`,
    );
  }
  if (largest > max) {
    throw new OptionsError(
      `The plan has a batch of ${largest} requests, more than \`maxQueued\` (${max}) lets into the processing queue at once, so it could never be created. Raise \`maxQueued\` (\`--max-queued\`) to your organisation's queue limit (reference: 200,000 / 300,000 / 500,000 by tier), or plan again with \`--max-requests ${max}\` or less.`,
    );
  }
  return max;
}

/**
 * The pending batches of `wave` that can be created now, in plan order: the longest run of them
 * from the first that fits in the queue's room (a batch never overtakes an earlier one, so the
 * plan's order, group by group, is kept). Empty while a 429 asks to wait.
 */
export function createNow(ctx: RunContext, wave: number): BatchRecord[] {
  if (Date.now() < ctx.queue.blockedUntil) return [];
  let room = ctx.queue.max - queuedRequests(ctx.store.state);
  // A system that runs only so many jobs at once (`BatchBackend.maxConcurrent`).
  let slots = (ctx.backend.maxConcurrent ?? Number.POSITIVE_INFINITY) - inFlight(ctx.store.state);
  const out: BatchRecord[] = [];
  for (const b of ctx.store.state.batches) {
    if (b.wave !== wave || b.state !== "pending") continue;
    if (b.requestCount > room || slots < 1) break;
    slots -= 1;
    room -= b.requestCount;
    out.push(b);
  }
  return out;
}

/** The first pending batch of `wave`, or `undefined`. */
export function nextPending(ctx: RunContext, wave: number): BatchRecord | undefined {
  return ctx.store.state.batches.find((b) => b.wave === wave && b.state === "pending");
}
