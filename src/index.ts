/**
 * cacheplan's public API. Everything a user or the CLI needs is exported here by name; files
 * whose names start with `_` are internal.
 */

// Errors
export { CacheplanError, InputError, isCacheplanError, OptionsError } from "./errors.js";
// Cost estimates
export {
  DEFAULT_OUTPUT_FRACTION,
  DEFAULT_SAMPLE_SIZE,
  estimate,
  SENSITIVITY_MAX_REQUESTS,
} from "./estimate/estimate.js";
export { type RenderEstimateOptions, renderEstimate } from "./estimate/render.js";
export {
  type CountInfo,
  type Estimate,
  type EstimateCalibration,
  type EstimateFigures,
  type EstimateOptions,
  type EstimateOutputAssumption,
  type GroupEstimate,
  type ModelEstimate,
  type PlannedModelInfo,
  type PlannedRange,
  SCENARIOS,
  type ScenarioCost,
  type ScenarioName,
} from "./estimate/types.js";
// Files
export { JsonlLine, type JsonlProblem, readJsonl } from "./io/jsonl.js";
export {
  batchFileName,
  contentHash,
  customIdsHash,
  type PlanFile,
  type PlanFileBatch,
  readPlan,
  readPlanFile,
  resolveInside,
  toPlanFile,
  verifyPlan,
  writePlan,
} from "./io/plan-dir.js";
// Planning
export {
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
// Cost estimates: the stacked-price arithmetic
export {
  addTokens,
  type CostFlags,
  costByKind,
  costOf,
  TOKEN_KINDS,
  type TokenBreakdown,
  type TokenKind,
  totalInputTokens,
  zeroTokens,
} from "./pricing/cost.js";
// Models and prices
export {
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
} from "./pricing/models.js";
// Reports: results against the plan and its estimate
export {
  type Attribution,
  type AttributionInfo,
  type AttributionKind,
  attributionInfo,
  formatAttribution,
} from "./report/attribution.js";
export {
  formatProblem,
  MAX_PROBLEM_EXAMPLES,
  type ProblemExample,
  type ReportProblem,
  type ReportProblemInfo,
  type ReportProblemKind,
  type ResultLocation,
  reportProblemInfo,
} from "./report/problems.js";
export { type RenderHtmlOptions, renderReportHtml } from "./report/render-html.js";
export { renderReportMarkdown } from "./report/render-md.js";
export { type RenderTextOptions, renderReportText } from "./report/render-text.js";
export { report } from "./report/report.js";
export {
  type BatchReport,
  type Calibration,
  type CalibrationEntry,
  type CostFigures,
  type EstimateComparison,
  type EstimatedScenario,
  type GroupReport,
  HIT_RATE_DEFINITIONS,
  type HitRateName,
  type ModelReport,
  type Report,
  type ReportFigures,
  type ReportInput,
  type ReportOptions,
  type RequestCounts,
  type Verdict,
  type WaveReport,
} from "./report/types.js";
export { depthBeyond, MAX_JSON_DEPTH } from "./request/json-depth.js";
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
  type ValidateOptions,
  type Validation,
  validateRequest,
} from "./request/validate.js";
// Running a plan: submit, watch, resume, cancel, retry
export { cancelRun } from "./run/cancel.js";
export { isRunError, RunError, type RunErrorCode } from "./run/errors.js";
export {
  formatDuration,
  formatRunWarning,
  renderNextSteps,
  renderProgressLine,
  renderRunEvent,
  renderRunStatus,
} from "./run/render.js";
export { RETRYABLE_ERROR_TYPES, retryPlan } from "./run/retry.js";
export {
  type BatchRecord,
  type BatchRequestCounts,
  type BatchState,
  batchFingerprint,
  type CreatingBatchRecord,
  type DownloadedBatchRecord,
  type EndedBatchRecord,
  type PendingBatchRecord,
  planFingerprint,
  RESULTS_DIR,
  type ResultsRecord,
  RUN_STATE_FILE,
  type RunState,
  readRunState,
  type SubmittedBatchRecord,
  type WaveRecord,
} from "./run/state.js";
export { submit } from "./run/submit.js";
export type {
  CancelOptions,
  CancelResult,
  PollOptions,
  RetryOptions,
  RetryReason,
  RetryResult,
  RunEvent,
  RunEventType,
  RunProgress,
  RunWarning,
  SubmitOptions,
  SubmitResult,
} from "./run/types.js";
// The built-in sample job (`cacheplan plan --sample`, `cacheplan demo`)
export { type SampleOptions, sampleRequests } from "./sample.js";
// Simulation
export {
  type CacheEntry,
  type CacheLookup,
  type CacheSource,
  CacheState,
  type CacheStateOptions,
  type CacheUsage,
  type CacheWrite,
  type Preparation,
  type PreparedRequest,
  type ResolvedBreakpoint,
  type TtlOrderViolation,
} from "./sim/cache.js";
// Simulation: the HTTP emulator of the Batches API
export {
  type Emulator,
  type EmulatorFaultKind,
  type EmulatorFaultOptions,
  type EmulatorOptions,
  type EmulatorRoute,
  type EmulatorSimParams,
  type EmulatorStats,
  startEmulator,
} from "./sim/emulator.js";
export type { SimBatchInput, SimJob } from "./sim/job.js";
export {
  type OutputAssumption,
  type ResolvedSimParams,
  resolveSimParams,
  SIM_DEFAULTS,
  type SimParams,
} from "./sim/params.js";
export type {
  SimBatchResult,
  SimCacheTrace,
  SimPrewarmResult,
  SimRequestResult,
  SimResponse,
  SimResult,
  SimTiming,
  SimTokenTotals,
  SimWaveResult,
} from "./sim/results.js";
export { simulate } from "./sim/simulate.js";
export { prepareTokens, type TokensOf } from "./sim/tokens.js";
// Facts of the Anthropic Message Batches API (one home: src/targets/anthropic/)
export {
  API_MAX_BYTES,
  API_MAX_REQUESTS,
  BATCH_MULTIPLIER,
  CONSERVATIVE_MIN_CACHEABLE_TOKENS,
  CUSTOM_ID_PATTERN,
  LOOKBACK_POSITIONS,
  MAX_BREAKPOINTS,
  MAX_OUTPUT_TOKENS,
  MESSAGE_ROLES,
  TTL_MS,
  US_GEO_MULTIPLIER,
  WRITE_1H_MULTIPLIER,
  WRITE_5M_MULTIPLIER,
} from "./targets/anthropic/index.js";
// Tokens
export type { SegmentCountRequest, TokenCounter } from "./tokens/counter.js";
// Cost estimates: the exact counter (it loads the SDK only when it first counts)
export {
  createExactCounter,
  type ExactCounterOptions,
  type ExactTokenCounter,
  isPrefixCounter,
  MISSING_API_KEY_MESSAGE,
  type PrefixCountRequest,
  type PrefixTokenCounter,
} from "./tokens/exact.js";
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
