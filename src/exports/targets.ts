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
export {
  DEFAULT_TARGET,
  isTargetId,
  loadTarget,
  type TargetId,
  targets,
} from "../targets/index.js";
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
