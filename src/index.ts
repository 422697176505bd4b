/**
 * cacheplan's public API. Everything a user or the CLI needs is exported here by name; files
 * whose names start with `_` are internal.
 */

// Errors
export { CacheplanError, InputError, isCacheplanError, OptionsError } from "./errors.js";
// Files
export { JsonlLine, readJsonl } from "./io/jsonl.js";
export {
  batchFileName,
  type PlanFile,
  readPlanFile,
  toPlanFile,
  writePlan,
} from "./io/plan-dir.js";
// Planning
export {
  API_MAX_BYTES,
  API_MAX_REQUESTS,
  type PlanInput,
  plan,
  resolvePlanOptions,
} from "./plan/plan.js";
export { type RenderPlanOptions, renderPlan } from "./plan/render.js";
export {
  formatWarning,
  type PlanWarning,
  type PlanWarningInfo,
  type PlanWarningKind,
  planWarningInfo,
} from "./plan/warnings.js";
// Models and prices
export {
  BATCH_MULTIPLIER,
  CONSERVATIVE_MIN_CACHEABLE_TOKENS,
  type Confidence,
  createModelTable,
  defaultModelTable,
  KNOWN_MODELS,
  type KnownModel,
  MODEL_TABLE,
  type ModelId,
  type ModelInfo,
  type ModelTable,
  type PriceTier,
  parseModelOverrides,
  type TokenizerFamily,
  US_GEO_MULTIPLIER,
  WRITE_1H_MULTIPLIER,
  WRITE_5M_MULTIPLIER,
} from "./pricing/models.js";
export { applyMarkers, cacheControl, type MarkerPlacement } from "./request/markers.js";
export {
  ContextInterner,
  type Segment,
  type SegmentedRequest,
  type SegmentLocation,
  segmentRequest,
} from "./request/segments.js";
// Requests
export {
  CUSTOM_ID_PATTERN,
  MAX_BREAKPOINTS,
  type Validation,
  validateRequest,
} from "./request/validate.js";
// Tokens
export type { SegmentCountRequest, TokenCounter } from "./tokens/counter.js";
export {
  createTiktokenCounter,
  type TiktokenCounterOptions,
  TOKENIZER_FACTORS,
} from "./tokens/tiktoken.js";
export type {
  BatchRequest,
  CacheTtl,
  Plan,
  PlannedBatch,
  PlannedBreakpoint,
  PlannedGroup,
  PlanOptions,
  PlanSummary,
  RejectedRequest,
  RejectReason,
  ResolvedPlanOptions,
  SegmentLevel,
  Strategy,
} from "./types.js";
