/**
 * `cacheplan/targets`: the seam between cacheplan and a batch system (STYLE item 21). A target
 * says how a request becomes a batch line, what a batch may hold, how its cache behaves, how its
 * `usage` reports cache tokens, what it costs and how to make its client. `anthropic` is the
 * Message Batches API; its facts are read from it (`anthropic.limits.maxRequests`,
 * `anthropic.caching.ttlMs`, `anthropic.prices.batch`, …), so each fact has one way in.
 * Loading this module does not load an SDK: a target's `createClient()` does, when called.
 */
// Held back: the Anthropic API's facts as separate constants (`API_MAX_REQUESTS`, `TTL_MS`, …,
// public before 0.1.0): they are the fields of `anthropic`.

export { default as anthropic } from "../targets/anthropic/index.js";
export { default as bedrock } from "../targets/bedrock/index.js";
export {
  checkTargetId,
  DEFAULT_TARGET,
  isTargetId,
  loadTarget,
  type TargetId,
  targets,
} from "../targets/index.js";
// Vertex AI batch prediction and Amazon Bedrock batch inference (issue 15), and the one dated
// table of model ids across the three.
export {
  BEDROCK_GEOS,
  type BedrockGeo,
  bedrockJobModel,
  MODEL_IDS,
  MODEL_IDS_CHECKED,
  type ModelIds,
  modelIdsOf,
  vertexJobModel,
} from "../targets/model-ids.js";
export { planAsGiven as openaiPlanAsGiven } from "../targets/openai/as-given.js";
export { openaiBackend } from "../targets/openai/backend.js";
export { toCorePlan as openaiPlanToPlan } from "../targets/openai/core-plan.js";
export {
  estimateOpenAI,
  type OpenAIEstimate,
  type OpenAIEstimateOptions,
} from "../targets/openai/estimate.js";
// The OpenAI Batch API (H16): the target, its planner, estimate, report, retry and runner backend.
// Plans of this target are project `Plan`s (`openaiPlanToPlan`); its requests are OpenAI lines.
export {
  createClient as createOpenAIClient,
  default as openai,
  looksLikeOpenAILine,
  OPENAI_MODEL_TABLE,
  type OpenAIPlan,
  type OpenAIPlanOptions,
  planOpenAI,
} from "../targets/openai/index.js";
export { renderOpenAIPlan } from "../targets/openai/render.js";
export { renderOpenAIEstimate } from "../targets/openai/render-estimate.js";
export { type OpenAIReport, renderOpenAIReport, reportOpenAI } from "../targets/openai/report.js";
export { retryOpenAI } from "../targets/openai/retry.js";
export { sampleOpenAIRequests } from "../targets/openai/sample.js";
export {
  type CachingRules,
  type ClientOptions,
  defineTarget,
  type PlannedRecord,
  type PriceMultipliers,
  type RecordFormat,
  type Target,
  type TargetLimits,
  type TargetResult,
  type UsageFields,
} from "../targets/target.js";
export { default as vertex } from "../targets/vertex/index.js";
