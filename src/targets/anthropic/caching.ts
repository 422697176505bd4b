/**
 * Prompt-caching rules of the Anthropic API as they apply inside a Message Batch: breakpoints,
 * lookback, TTLs and their order, and the stand-in minimum for a model the table does not know.
 * Reference: ../shared/reference/anthropic-caching-and-batches.md §1, §2, §3.
 */

/** A cache entry's lifetime: `ttl?: '5m' | '1h'`, default `5m` (reference §3, SDK-M 2132-2147). */
export type CacheTtl = "5m" | "1h";

/** The TTL of a marker that gives none (reference §3: "Defaults to `5m`"). */
export const DEFAULT_TTL: CacheTtl = "5m";

/** At most 4 blocks may carry `cache_control`; a 5th is a 400 (reference §1.2, fact 2, PC-zh; ISS-4BP). */
export const MAX_BREAKPOINTS = 4;

/**
 * Positions checked per breakpoint, the breakpoint itself counted as the first (reference fact 3,
 * §1.3: "The system checks at most 20 positions per breakpoint, counting the breakpoint itself").
 */
export const LOOKBACK_POSITIONS = 20;

/**
 * Lifetime of an entry per TTL, in milliseconds: 5 minutes and 1 hour (reference §3, SDK-M
 * 2132-2147).
 */
export const TTL_MS: Readonly<Record<CacheTtl, number>> = Object.freeze({
  "5m": 5 * 60_000,
  "1h": 60 * 60_000,
});

/**
 * Minimum used for a model not in the table: the largest documented minimum (4,096, reference §2
 * and fact 4), so the planner never marks a prefix that is too short.
 */
export const CONSERVATIVE_MIN_CACHEABLE_TOKENS = 4096;

/**
 * "Entries with a longer TTL must appear before entries with a shorter TTL", i.e. every 1h marker
 * before any 5m one (reference fact 6 and §3, PC-zh §混合使用不同的 TTL). Returns the first 5m
 * marker and the first 1h marker after it, or `undefined` when the order is kept. Marks are in
 * prefix order, a top-level marker last.
 */
export function ttlOrderBreach<T extends { ttl: CacheTtl }>(
  marks: readonly T[],
): { first5m: T; late1h: T } | undefined {
  const at = marks.findIndex((m) => m.ttl === "5m");
  if (at < 0) return undefined;
  const late1h = marks.slice(at + 1).find((m) => m.ttl === "1h");
  return late1h ? { first5m: marks[at]!, late1h } : undefined;
}
