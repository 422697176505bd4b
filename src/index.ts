/**
 * cacheplan's public API: the contract (STYLE item 2). The root holds what a user needs to plan,
 * estimate, submit, report and simulate a job: the functions, their options and results (with the
 * named parts of a result), the renderers, the error family, and the model table. The rest is
 * behind documented sub-path exports, each for a narrower need (package.json `exports`):
 *
 * - `cacheplan/targets`: the seam to a batch system (`Target`, `defineTarget`, the registry) and
 *   the Anthropic target, whose `limits`, `caching` and `prices` hold that API's facts.
 * - `cacheplan/request`: checking a request and placing cache markers on it yourself.
 * - `cacheplan/tokens`: token counters (offline js-tiktoken, exact through the API's countTokens).
 * - `cacheplan/pricing`: the stacked-price arithmetic over token breakdowns, and usage reading.
 * - `cacheplan/sim`: the cache model itself (`CacheState`) and the simulator's parameters.
 * - `cacheplan/run`: the runner's renderers and plan-folder files, for a front end of your own.
 *
 * Everything else is internal (files named `_*.ts` always are). Held back on purpose, each with
 * its reason, where a name was public before 0.1.0: see the comment beside each group.
 */
// biome-ignore-all assist/source/organizeImports: the groups below are the contract's order

// Planning
export { type PlanInput, plan } from "./plan/plan.js";
export {
  type JsonlInput,
  type PlanFolderOptions,
  planJsonl,
  type StreamedPlan,
} from "./plan/stream.js";
export { type RenderPlanOptions, renderPlan } from "./plan/render.js";
export {
  formatWarning,
  type PlanWarning,
  type PlanWarningInfo,
  type PlanWarningKind,
  planWarningInfo,
} from "./plan/warnings.js";
export {
  type BatchRequest,
  type CacheTtl,
  type Plan,
  type PlannedBatch,
  type PlannedBreakpoint,
  type PlannedGroup,
  type PlanOptions,
  type PlanSummary,
  type RejectedRequest,
  type RejectReason,
  type ResolvedPlanOptions,
  type SegmentLevel,
  STRATEGIES,
  type Strategy,
} from "./types.js";
// Held back: `resolvePlanOptions` (the planner's option check; `plan()` runs it and reports the
// options it used in `plan.options`).

// Probe: measure the provider's cache, write a calibration
export { ProbeError } from "./probe/errors.js";
export {
  PROBE_TARGETS,
  type ProbeCostOptions,
  type ProbeTarget,
  probe,
  probeCost,
} from "./probe/probe.js";
export { renderProbeCost, renderProbeResult } from "./probe/render.js";
export type {
  CacheCalibration,
  CalibrationFileV2,
  ProbeCost,
  ProbeCostLine,
  ProbeEvent,
  ProbeLongOptions,
  ProbeMeasurement,
  ProbeOptions,
  ProbeResult,
  ProbeVerdict,
  RateEstimate,
} from "./probe/types.js";

// Cost estimates
export { estimate } from "./estimate/estimate.js";
export {
  estimateFolder,
  FOLDER_EXACT_MAX_BYTES,
  FOLDER_EXACT_MAX_REQUESTS,
  isLargePlan,
} from "./estimate/folder.js";
export {
  parseCalibration,
  planOptionsFromCalibration,
  simParamsFromCalibration,
} from "./estimate/calibration.js";
export { mergeCalibration } from "./report/calibration.js";
export { type RenderEstimateOptions, renderEstimate } from "./estimate/render.js";
// The same job on every target (issue 15): `cacheplan estimate --compare`, Bedrock's on-demand route.
export {
  bedrockAlternative,
  compareTargets,
  type OnDemandGroup,
  renderBedrockAlternative,
  renderComparison as renderTargetComparison,
  type TargetComparison,
  type TargetCost,
} from "./estimate/compare.js";
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
// Held back: `DEFAULT_OUTPUT_FRACTION`, `DEFAULT_SAMPLE_SIZE`, `SENSITIVITY_MAX_REQUESTS` (each is
// the `@default` documented on its `EstimateOptions` field).

// Files: requests in, the plan folder out and back
export { JsonlLine, type JsonlProblem, readJsonl } from "./io/jsonl.js";
export {
  type PlanFile,
  type PlanFileBatch,
  type PlanLine,
  planRequests,
  readPlan,
  readPlanBatch,
  readPlanFile,
  toPlanFile,
  verifyPlan,
  writePlan,
} from "./io/plan-dir.js";

// Running a plan: submit, watch, resume, cancel, retry (the state is the plan folder's run.json)
export { submit } from "./run/submit.js";
export { openPlanFolder, type PlanFolder } from "./run/plan-folder.js";
export { cancelRun } from "./run/cancel.js";
export { retryPlan } from "./run/retry.js";
export { type RunState, readRunState } from "./run/state.js";
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
// Held back: `batchFingerprint`, `planFingerprint` (run.json's integrity, checked by
// `readRunState`); run.json's parts, the renderers and file names are in `cacheplan/run`.

// Reports: results against the plan and its estimate
export { report } from "./report/report.js";
export { type ReportFolderOptions, reportFolder } from "./report/folder.js";
export { renderReportText, type RenderTextOptions } from "./report/render-text.js";
export { renderReportMarkdown } from "./report/render-md.js";
export { type RenderHtmlOptions, renderReportHtml } from "./report/render-html.js";
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
export {
  formatProblem,
  type ProblemExample,
  type ReportProblem,
  type ReportProblemInfo,
  type ReportProblemKind,
  type ResultLocation,
  reportProblemInfo,
} from "./report/problems.js";
export {
  type Attribution,
  type AttributionInfo,
  type AttributionKind,
  attributionInfo,
  formatAttribution,
} from "./report/attribution.js";
// Held back: `MAX_PROBLEM_EXAMPLES` (the cap documented on `ReportProblem.examples`).

// Simulation and the local emulator of the Batches API
export { simulate } from "./sim/simulate.js";
export { prepareTokens, type TokensOf } from "./sim/tokens.js";
export type { SimBatchInput, SimJob } from "./sim/job.js";
export type { OutputAssumption, SimParams } from "./sim/params.js";
export type { SimResult } from "./sim/results.js";
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
export { type SampleOptions, sampleRequests } from "./sample.js";

// Models and prices: the default target's rows (Anthropic), extended or overridden by yours
export {
  createModelTable,
  defaultModelTable,
  modelTableOf,
  parseModelOverrides,
} from "./pricing/models.js";
export type {
  Confidence,
  ModelInfo,
  ModelTable,
  PriceTier,
  TokenizerFamily,
} from "./pricing/model-table.js";
export {
  KNOWN_MODELS,
  type KnownModel,
  MODEL_TABLE,
  type ModelId,
} from "./targets/anthropic/models.js";

// Errors
export {
  CacheplanError,
  EnvironmentError,
  InputError,
  isCacheplanError,
  OptionsError,
} from "./errors.js";
export { isRunError, RunError, type RunErrorCode } from "./run/errors.js";

// The package version (the `cacheplanVersion` of every `--json` output)
export { VERSION } from "./version.js";
