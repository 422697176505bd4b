/**
 * The Amazon Bedrock batch inference target for Claude (other-batch-systems.md §2): records
 * `{recordId, modelInput}` with `anthropic_version: "bedrock-2023-05-31"` and the model set on the
 * job; no prompt caching inside batch jobs (hints ignored, no cache usage reported, no batch cache
 * prices — §2.6 [S/U], no AWS text found either way), so the planner places no markers and no
 * primer waves; at least 100 and at most ~50,000 records per job, 1 GB per file, 5 GB per job
 * (Service Quotas defaults [S]); batch is 0.5× on-demand input and output.
 */
import { CONSERVATIVE_MIN_CACHEABLE_TOKENS, TTL_MS } from "../anthropic/caching.js";
import { defineTarget } from "../target.js";
import { bedrockBackend } from "./backend.js";
import { type BedrockClients, createClient } from "./client.js";
import { batchOnlyViolation, fromBedrockLine, toBedrockLine } from "./format.js";
import {
  BEDROCK_MAX_FILE_BYTES,
  BEDROCK_MAX_OUTPUT_TOKENS,
  BEDROCK_MAX_RECORDS,
  BEDROCK_MIN_RECORDS,
} from "./limits.js";
import { BEDROCK_MODEL_TABLE, PRICE_MULTIPLIERS_BEDROCK } from "./prices.js";
import { readResult } from "./results.js";
import { USAGE_FIELDS } from "./usage.js";

export { BEDROCK_JOB_ID, bedrockBackend, infoOfJob } from "./backend.js";
export {
  type BedrockClientOptions,
  type BedrockClients,
  type BedrockRunConfig,
  createClient,
} from "./client.js";
export * from "./format.js";
export * from "./limits.js";
export * from "./prices.js";
export { readResult } from "./results.js";

/** `custom_id`s are Anthropic's (`recordId` is derived from them, see `recordIdOf`). */
const ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** Amazon Bedrock batch inference (Claude, InvokeModel type). */
const bedrock = defineTarget<BedrockClients>({
  id: "bedrock",
  name: "Amazon Bedrock batch inference (Claude)",
  format: { toLine: toBedrockLine, fromLine: fromBedrockLine, batchOnlyViolation },
  limits: {
    maxRequests: BEDROCK_MAX_RECORDS,
    maxBytes: BEDROCK_MAX_FILE_BYTES,
    minRequests: BEDROCK_MIN_RECORDS,
    maxOutputTokens: BEDROCK_MAX_OUTPUT_TOKENS,
    idPattern: ID_PATTERN,
    resultsRetentionMs: undefined,
    oneModelPerBatch: true,
  },
  caching: {
    markers: "none",
    maxBreakpoints: 0,
    lookbackPositions: 0,
    // On-demand TTLs, for the comparison only (§2.6); batch caches nothing.
    ttlMs: TTL_MS,
    defaultTtl: "5m",
    conservativeMinCacheableTokens: CONSERVATIVE_MIN_CACHEABLE_TOKENS,
  },
  usage: USAGE_FIELDS,
  prices: PRICE_MULTIPLIERS_BEDROCK,
  models: BEDROCK_MODEL_TABLE,
  readResult,
  createClient,
  backend: bedrockBackend,
});

export default bedrock;
