/**
 * The expected-miss model the planner decides with (internal). Prices are in base-input token
 * units: one unit = one uncached input token of the model.
 *
 * Facts (reference §3 and §5.5): a 5m write costs 1.25×, a 1h write 2×, a read the model's read
 * multiplier (0.1× on most models). An entry becomes readable only after the response that writes
 * it starts (reference fact 14), and requests of one batch run in parallel, so the first
 * `min(n, concurrency)` requests of a cold group all miss and write (reference §10: cold batches of
 * 10 to 48 requests got 0% reads). A primer sent alone in an earlier wave writes once; the
 * requests after it read. A 5m entry is assumed gone by the next wave (batches take 5 minutes to
 * 1 hour, reference fact 16).
 */
import { WRITE_1H_MULTIPLIER, WRITE_5M_MULTIPLIER } from "../targets/anthropic/prices.js";
import type { CacheTtl } from "../types.js";

export type Mode = "primed" | "cold";

export function writeMultiplier(ttl: CacheTtl): number {
  return ttl === "1h" ? WRITE_1H_MULTIPLIER : WRITE_5M_MULTIPLIER;
}

/** Expected writes of an entry shared by `count` requests, when they are spread over waves as given. */
export function expectedWrites(
  requestsPerWave: readonly number[],
  ttl: CacheTtl,
  concurrency: number,
): number {
  let writes = 0;
  let alive = false;
  for (const n of requestsPerWave) {
    if (n === 0) continue;
    if (!alive) {
      writes += Math.min(n, concurrency);
      // A 1h entry outlives a wave; a 5m one is assumed gone before the next wave.
      alive = ttl === "1h";
    }
  }
  return writes;
}

/** Expected writes for a count and mode, before waves are known (primed: the primer alone first). */
export function expectedWritesFor(
  count: number,
  mode: Mode,
  ttl: CacheTtl,
  concurrency: number,
): number {
  return mode === "primed"
    ? expectedWrites([1, count - 1], ttl, concurrency)
    : expectedWrites([count], ttl, concurrency);
}

/**
 * Units saved per token of a segment run shared by `count` requests, against sending it uncached
 * every time: `count − (writes × write multiplier + reads × read multiplier)`.
 */
export function savingsPerToken(
  count: number,
  mode: Mode,
  ttl: CacheTtl,
  concurrency: number,
  readMultiplier: number,
): number {
  const writes = expectedWritesFor(count, mode, ttl, concurrency);
  return count - (writes * writeMultiplier(ttl) + (count - writes) * readMultiplier);
}

/**
 * The smallest number of requests sharing a prefix for which some allowed mode saves anything:
 * prefixes shared by fewer can never get a marker, so their tokens need not be counted. With the
 * default model a pair never pays (primed: 2 + 0.1 > 2; cold: both write), three do.
 */
export function minPayingCount(
  modes: readonly { mode: Mode; ttl: CacheTtl }[],
  concurrency: number,
  readMultiplier: number,
  limit = 1_000_000,
): number {
  if (modes.length === 0) return Number.POSITIVE_INFINITY;
  for (let count = 2; count <= limit; count++) {
    for (const { mode, ttl } of modes) {
      if (savingsPerToken(count, mode, ttl, concurrency, readMultiplier) > 0) return count;
    }
  }
  return Number.POSITIVE_INFINITY;
}
