/**
 * The OpenAI Batch API target: every fact of that API lives in this folder, one module per
 * concern (limits, line format and validation, caching per model family, prices and model rows,
 * usage fields, result lines, client), plus its own planner (`planOpenAI`), estimate and plan
 * files, since its requests are not Messages bodies. Reference: other-batch-systems.md §4, §7.
 */
import type OpenAI from "openai";
import { defineTarget } from "../target.js";
import { EXPLICIT_TTL, EXPLICIT_TTL_MS, MAX_BREAKPOINTS, MIN_CACHEABLE_TOKENS } from "./caching.js";
import { createClient } from "./client.js";
import { fromBatchLine, toBatchLine } from "./format.js";
import {
  CUSTOM_ID_PATTERN,
  MAX_BYTES,
  MAX_OUTPUT_TOKENS,
  MAX_REQUESTS,
  RESULTS_RETENTION_MS,
} from "./limits.js";
import { MODEL_TABLE } from "./models.js";
import { PRICE_MULTIPLIERS } from "./prices.js";
import { readResult } from "./results.js";
import { USAGE_FIELDS } from "./usage.js";

export * from "./caching.js";
export { createClient } from "./client.js";
export * from "./format.js";
export * from "./limits.js";
export { LONG_CONTEXT_TOKENS, MODEL_TABLE as OPENAI_MODEL_TABLE } from "./models.js";
export * from "./plan.js";
export * from "./prices.js";
export { readResult as readOpenAIResult } from "./results.js";
export * from "./types.js";
export { readOpenAIUsage, USAGE_FIELDS as OPENAI_USAGE_FIELDS } from "./usage.js";
export { validateOpenAILine } from "./validate.js";

/** The OpenAI Batch API. */
const openai = defineTarget<OpenAI>({
  id: "openai",
  name: "OpenAI Batch API",
  format: {
    toLine: (record) => toBatchLine(record),
    fromLine: fromBatchLine,
    // Streaming is refused in a batch; the validator says so with the planner's wording.
    batchOnlyViolation: (params) =>
      params.stream === true
        ? {
            kind: "stream-not-allowed",
            reason: "`body.stream` is true: batch requests cannot stream; remove `stream`.",
            apiMessage: "Streaming is not supported in batch requests.",
          }
        : undefined,
  },
  limits: {
    maxRequests: MAX_REQUESTS,
    maxBytes: MAX_BYTES,
    // No minimum batch size is documented (reference §4.3).
    minRequests: 1,
    maxOutputTokens: MAX_OUTPUT_TOKENS,
    idPattern: CUSTOM_ID_PATTERN,
    resultsRetentionMs: RESULTS_RETENTION_MS,
  },
  caching: {
    // Per model family: explicit on GPT-5.6+, automatic on GPT-5 to 5.5, none before GPT-5
    // (`cacheModeOf`); the target-wide value is the newest family's.
    markers: "explicit",
    maxBreakpoints: MAX_BREAKPOINTS,
    // "Up to the latest 80 breakpoints … without a content-block lookback limit" (OA-SDK).
    lookbackPositions: Number.POSITIVE_INFINITY,
    ttlMs: { [EXPLICIT_TTL]: EXPLICIT_TTL_MS },
    defaultTtl: EXPLICIT_TTL,
    conservativeMinCacheableTokens: MIN_CACHEABLE_TOKENS,
  },
  usage: USAGE_FIELDS,
  prices: PRICE_MULTIPLIERS,
  models: MODEL_TABLE,
  readResult,
  createClient,
  // The runner's backend; `client` is an `OpenAI` client (`createClient()`).
  backend: async (client) => (await import("./backend.js")).openaiBackend(client),
});

export default openai;
