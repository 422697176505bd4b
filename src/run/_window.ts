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
import type { PlanMeta, PlanSource } from "./_source.js";
import type { RunWarning } from "./types.js";

/** The 1h TTL (reference fact 6, §3). */
export const ONE_HOUR_MS = TTL_MS["1h"];

/** The cost of starting a wave after the window: the primed groups that write again. */
export interface WindowCost {
  groups: number;
  rewrites: number;
  extraUsd: number;
}

/** The cost of re-writing the primed prefixes of the groups with requests in `wave`. */
export function missedWindowCost(
  plan: Plan,
  wave: number,
  models: ModelTable = defaultModelTable,
): WindowCost {
  const inWave = new Set<string>();
  for (const batch of plan.batches) {
    if (batch.wave !== wave) continue;
    for (const request of batch.requests) inWave.add(request.custom_id);
  }
  return costOf(plan, inWave, models);
}

/**
 * {@link missedWindowCost} of a plan whose requests are read when needed (`_source.ts`): the
 * wave's `custom_id`s are gathered batch by batch (~80 bytes each, for as long as this takes).
 */
export async function missedWindowCostOf(
  source: PlanSource,
  wave: number,
  models: ModelTable = defaultModelTable,
): Promise<WindowCost> {
  const inWave = new Set<string>();
  for (const batch of source.plan.batches) {
    if (batch.wave !== wave) continue;
    for (const id of await source.ids(batch.index, false)) inWave.add(id);
  }
  return costOf(source.plan, inWave, models);
}

function costOf(
  plan: Pick<PlanMeta, "groups" | "options">,
  inWave: ReadonlySet<string>,
  models: ModelTable,
): WindowCost {
  let groups = 0;
  let rewrites = 0;
  let extraUsd = 0;
  for (const group of plan.groups) {
    const top = group.breakpoints[0];
    if (top?.mode !== "primed" || top.ttl !== "1h") continue;
    const here = group.customIds.filter((id) => inWave.has(id)).length;
    if (here === 0) continue;
    // A group primed in this wave (its first slice, or primed again: `plan/_slices.ts`) writes
    // its entry here anyway: nothing of it was waiting in the cache.
    if ((group.primers ?? []).some((id) => inWave.has(id))) continue;
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
  times: WindowTimes,
  models?: ModelTable,
): Extract<RunWarning, { kind: "window" }> | null {
  if (!(times.startAt - times.previousCreatedAt > ONE_HOUR_MS)) return null;
  return warningOf(wave, times, missedWindowCost(plan, wave, models));
}

/**
 * {@link windowWarning} of a plan whose requests are read when needed (`_source.ts`); each wave's
 * cost is computed once and kept in `costs`.
 */
export async function windowWarningOf(
  source: PlanSource,
  wave: number,
  times: WindowTimes,
  costs: Map<number, WindowCost>,
  models?: ModelTable,
): Promise<Extract<RunWarning, { kind: "window" }> | null> {
  if (!(times.startAt - times.previousCreatedAt > ONE_HOUR_MS)) return null;
  let cost = costs.get(wave);
  if (cost === undefined) {
    cost = await missedWindowCostOf(source, wave, models);
    costs.set(wave, cost);
  }
  return warningOf(wave, times, cost);
}

/** The API's times a window is judged on (ms): see the top of this file. */
type WindowTimes = { previousCreatedAt: number; previousEndedAt: number | null; startAt: number };

function warningOf(
  wave: number,
  times: WindowTimes,
  cost: WindowCost,
): Extract<RunWarning, { kind: "window" }> | null {
  if (cost.groups === 0) return null;
  const gapMs = times.startAt - times.previousCreatedAt;
  const severity =
    times.previousEndedAt !== null && times.startAt - times.previousEndedAt > ONE_HOUR_MS
      ? "will"
      : "may";
  return { kind: "window", wave, gapMs, severity, ...cost };
}
