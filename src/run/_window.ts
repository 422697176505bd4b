/**
 * The 1h window between waves (internal). A primed prefix is written by a primer in an earlier
 * wave with a 1h marker and read by the next wave (reference fact 16); the entry lives 1 hour from
 * the start of the request that wrote or last read it (fact 7). The runner only knows the API's
 * batch timestamps, so it judges on them: the writes happened after the previous wave's first
 * `created_at` and before its last `ended_at`.
 * - next wave starts more than 1h after the previous wave's first `created_at`: entries **may**
 *   have expired;
 * - more than 1h after the previous wave's last `ended_at`: every entry **will** have expired.
 * Both times are the API's clock, so the check also holds on the emulator's scaled clock.
 */
import { defaultModelTable, type ModelTable } from "../pricing/models.js";
import { TTL_MS } from "../targets/anthropic/caching.js";
import { BATCH_MULTIPLIER, WRITE_1H_MULTIPLIER } from "../targets/anthropic/prices.js";
import type { Plan } from "../types.js";
import type { RunWarning } from "./types.js";

/** The 1h TTL (reference fact 6, §3). */
export const ONE_HOUR_MS = TTL_MS["1h"];

/** The cost of re-writing the primed prefixes of the groups with requests in `wave`. */
export function missedWindowCost(
  plan: Plan,
  wave: number,
  models: ModelTable = defaultModelTable,
): { groups: number; rewrites: number; extraUsd: number } {
  const waveOf = new Map<string, number>();
  for (const batch of plan.batches) {
    if (batch.wave !== wave) continue;
    for (const request of batch.requests) waveOf.set(request.custom_id, batch.wave);
  }
  let groups = 0;
  let rewrites = 0;
  let extraUsd = 0;
  for (const group of plan.groups) {
    const top = group.breakpoints[0];
    if (top?.mode !== "primed" || top.ttl !== "1h") continue;
    const here = group.customIds.filter((id) => waveOf.has(id)).length;
    if (here === 0) continue;
    // A group primed in this wave (its first slice, or primed again: `plan/_slices.ts`) writes
    // its entry here anyway: nothing of it was waiting in the cache.
    if ((group.primers ?? []).some((id) => waveOf.has(id))) continue;
    // Cold again: the first `concurrency` requests of the wave start together and all write.
    const writers = Math.min(here, plan.options.concurrency);
    const info = models.get(group.model);
    const read = info?.readMultiplier ?? 0.1;
    const price = (info?.inputPerMTok ?? 0) / 1e6;
    groups += 1;
    rewrites += writers;
    extraUsd +=
      writers * group.sharedTokens * (WRITE_1H_MULTIPLIER - read) * price * BATCH_MULTIPLIER;
  }
  return { groups, rewrites, extraUsd };
}

/**
 * The warning for starting `wave` at `startAt` (API clock, ms) after a previous wave created at
 * `previousCreatedAt` and ended at `previousEndedAt`; `null` when within the window or when no
 * primed group has requests in `wave`.
 */
export function windowWarning(
  plan: Plan,
  wave: number,
  times: { previousCreatedAt: number; previousEndedAt: number | null; startAt: number },
  models?: ModelTable,
): Extract<RunWarning, { kind: "window" }> | null {
  const gapMs = times.startAt - times.previousCreatedAt;
  if (!(gapMs > ONE_HOUR_MS)) return null;
  const cost = missedWindowCost(plan, wave, models);
  if (cost.groups === 0) return null;
  const severity =
    times.previousEndedAt !== null && times.startAt - times.previousEndedAt > ONE_HOUR_MS
      ? "will"
      : "may";
  return { kind: "window", wave, gapMs, severity, ...cost };
}
