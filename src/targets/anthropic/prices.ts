/**
 * Price multipliers of the Anthropic API that apply to every model (the per-model rows are in
 * `models.ts`). Reference: ../shared/reference/anthropic-caching-and-batches.md §3, §5.5, §7.
 */
import type { PriceMultipliers } from "../target.js";

/** Cache write (5-minute TTL) price as a multiple of base input (reference fact 8, §3, PC-zh §定价). */
export const WRITE_5M_MULTIPLIER = 1.25;
/** Cache write (1-hour TTL) price as a multiple of base input (reference fact 8, §3, PC-zh §定价). */
export const WRITE_1H_MULTIPLIER = 2;
/** Batch API discount on all usage; the cache multipliers stack on top (reference fact 9, §5.5, BP-en §Pricing). */
export const BATCH_MULTIPLIER = 0.5;
/** `inference_geo: "us"` multiplier on every token category for Claude 4.6 and later (reference fact 10, PR-Q data residency). */
export const US_GEO_MULTIPLIER = 1.1;
/** Default cache read multiplier ("Cache hits and refreshes" 0.1x, reference §3, PC-zh §定价); used for user rows that give none. */
export const DEFAULT_READ_MULTIPLIER = 0.1;

/** The factors above as the target states them (`Target.prices`), for the cost arithmetic. */
export const PRICE_MULTIPLIERS: PriceMultipliers = Object.freeze({
  write: Object.freeze({ "5m": WRITE_5M_MULTIPLIER, "1h": WRITE_1H_MULTIPLIER }),
  defaultRead: DEFAULT_READ_MULTIPLIER,
  batch: BATCH_MULTIPLIER,
  usGeo: US_GEO_MULTIPLIER,
});
