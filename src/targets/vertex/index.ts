/**
 * The Vertex AI batch prediction target for Claude (other-batch-systems.md §3): the Anthropic body
 * rewrapped as `{custom_id, request}` with `anthropic_version: "vertex-2023-10-16"` and the model
 * set on the job; caching as Anthropic's (`cache_control` passes through, stacked prices at 0.5 ×
 * {1.25, 2, 0.1}); 4 concurrent jobs per project; per-job caps undocumented (Anthropic's used).
 * Uncertain: hit rates inside Vertex batches (unmeasured, §3.6), the output line schema and order
 * (§3.4), whether batch honours the 1h TTL (§3.6), `custom_id` rules (§3.1).
 */
import {
  CONSERVATIVE_MIN_CACHEABLE_TOKENS,
  DEFAULT_TTL,
  LOOKBACK_POSITIONS,
  MAX_BREAKPOINTS,
  TTL_MS,
} from "../anthropic/caching.js";
import { defineTarget } from "../target.js";
import { vertexBackend } from "./backend.js";
import { createClient, type VertexClient } from "./client.js";
import { batchOnlyViolation, fromVertexLine, toVertexLine, VERTEX_ID_PATTERN } from "./format.js";
import {
  VERTEX_MAX_BYTES,
  VERTEX_MAX_CONCURRENT_JOBS,
  VERTEX_MAX_OUTPUT_TOKENS,
  VERTEX_MAX_REQUESTS,
} from "./limits.js";
import { PRICE_MULTIPLIERS_VERTEX, VERTEX_MODEL_TABLE } from "./prices.js";
import { readResult } from "./results.js";
import { USAGE_FIELDS } from "./usage.js";

export { infoOfVertexJob, VERTEX_JOB_ID, vertexBackend } from "./backend.js";
export {
  createClient,
  type VertexClient,
  type VertexClientOptions,
  type VertexRunConfig,
} from "./client.js";
export * from "./format.js";
export * from "./limits.js";
export * from "./prices.js";
export { readResult, responseOf } from "./results.js";

/** Vertex AI batch prediction (Claude). */
const vertex = defineTarget<VertexClient>({
  id: "vertex",
  name: "Vertex AI batch prediction (Claude)",
  format: { toLine: toVertexLine, fromLine: fromVertexLine, batchOnlyViolation },
  limits: {
    maxRequests: VERTEX_MAX_REQUESTS,
    maxBytes: VERTEX_MAX_BYTES,
    // No minimum is documented (§1 item 5).
    minRequests: 1,
    maxOutputTokens: VERTEX_MAX_OUTPUT_TOKENS,
    idPattern: VERTEX_ID_PATTERN,
    // Output stays in the user's bucket: no retention set by the service.
    resultsRetentionMs: undefined,
    oneModelPerBatch: true,
    maxConcurrentJobs: VERTEX_MAX_CONCURRENT_JOBS,
  },
  // "Behaves as described in the Anthropic documentation" (VX-PC, §3.6): same markers, TTLs, minimums.
  caching: {
    markers: "explicit",
    maxBreakpoints: MAX_BREAKPOINTS,
    lookbackPositions: LOOKBACK_POSITIONS,
    ttlMs: TTL_MS,
    defaultTtl: DEFAULT_TTL,
    conservativeMinCacheableTokens: CONSERVATIVE_MIN_CACHEABLE_TOKENS,
  },
  usage: USAGE_FIELDS,
  prices: PRICE_MULTIPLIERS_VERTEX,
  models: VERTEX_MODEL_TABLE,
  readResult,
  createClient,
  backend: vertexBackend,
});

export default vertex;
