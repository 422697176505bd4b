/**
 * Price factors of the OpenAI Batch API that apply to every model (per-model rows in
 * `models.ts`). Reference: other-batch-systems.md §4.6 (LL-39861, OA-PC, OA-CB).
 */
import type { PriceMultipliers } from "../target.js";

/** Cache writes on GPT-5.6 and later cost 1.25× uncached input; earlier models have no write fee (OA-PC). */
export const EXPLICIT_WRITE_MULTIPLIER = 1.25;
/** Batch halves every rate, cached and write rates included ("cached batch tokens cost half the standard cached rate", LL-39861). */
export const BATCH_MULTIPLIER = 0.5;
/** Flex processing (`service_tier: "flex"`) is billed at the Batch rates (reference §1 item 4, OA-CB). */
export const FLEX_MULTIPLIER = 0.5;
/** Cached input on the GPT-5 family is 90% off (OA-CB discount table). */
export const DEFAULT_READ_MULTIPLIER = 0.1;

/** The factors as `Target.prices`: one write price for the one TTL, given for both slots. */
export const PRICE_MULTIPLIERS: PriceMultipliers = Object.freeze({
  write: Object.freeze({ "5m": EXPLICIT_WRITE_MULTIPLIER, "1h": EXPLICIT_WRITE_MULTIPLIER }),
  defaultRead: DEFAULT_READ_MULTIPLIER,
  batch: BATCH_MULTIPLIER,
  usGeo: 1,
});
