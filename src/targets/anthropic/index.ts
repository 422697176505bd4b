/**
 * The Anthropic Message Batches API target: every fact of that API lives in this folder, one
 * module per concern (limits, format, caching, batch-only rules, prices, model rows, usage
 * fields, result lines, client). The default export is the target; the facts are also exported
 * by name for the modules that use one directly.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { defineTarget } from "../target.js";
import { anthropicBackend } from "./backend.js";
import { batchOnlyViolation } from "./batch-rules.js";
import {
  CONSERVATIVE_MIN_CACHEABLE_TOKENS,
  DEFAULT_TTL,
  LOOKBACK_POSITIONS,
  MAX_BREAKPOINTS,
  TTL_MS,
} from "./caching.js";
import { createClient } from "./client.js";
import { CUSTOM_ID_PATTERN, fromBatchLine, toBatchLine } from "./format.js";
import {
  API_MAX_BYTES,
  API_MAX_REQUESTS,
  MAX_OUTPUT_TOKENS,
  RESULTS_RETENTION_MS,
} from "./limits.js";
import { MODEL_TABLE } from "./models.js";
import { PRICE_MULTIPLIERS } from "./prices.js";
import { readResult } from "./results.js";
import { USAGE_FIELDS } from "./usage.js";

export * from "./batch-rules.js";
export * from "./caching.js";
export * from "./format.js";
export * from "./limits.js";
export * from "./prices.js";
export { USAGE_FIELDS } from "./usage.js";

/** The Anthropic Message Batches API (reference: anthropic-caching-and-batches.md). */
const anthropic = defineTarget<Anthropic>({
  id: "anthropic",
  name: "Anthropic Message Batches API",
  format: { toLine: toBatchLine, fromLine: fromBatchLine, batchOnlyViolation },
  limits: {
    maxRequests: API_MAX_REQUESTS,
    maxBytes: API_MAX_BYTES,
    // No minimum batch size is documented (other-batch-systems.md §1 item 5).
    minRequests: 1,
    maxOutputTokens: MAX_OUTPUT_TOKENS,
    idPattern: CUSTOM_ID_PATTERN,
    resultsRetentionMs: RESULTS_RETENTION_MS,
  },
  caching: {
    markers: "explicit",
    maxBreakpoints: MAX_BREAKPOINTS,
    lookbackPositions: LOOKBACK_POSITIONS,
    ttlMs: TTL_MS,
    defaultTtl: DEFAULT_TTL,
    conservativeMinCacheableTokens: CONSERVATIVE_MIN_CACHEABLE_TOKENS,
  },
  usage: USAGE_FIELDS,
  prices: PRICE_MULTIPLIERS,
  models: MODEL_TABLE,
  readResult,
  createClient,
  backend: anthropicBackend,
});

export default anthropic;
