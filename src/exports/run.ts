/**
 * `cacheplan/run`: what a front end of its own around `submit()` needs beside the root: the
 * parts of `RunState` (run.json: a record per batch, discriminated on `state`, and per wave),
 * the texts `cacheplan submit` and `status` print (a progress line fitted to a width, one line
 * per event, the next steps, a run's status), the lock a running submit holds, the redaction
 * every printed message goes through, and the plan folder's file names and checks.
 */
// Held back: `formatClock` (the progress line's clock, inside `renderProgressLine`).

export {
  batchFileName,
  contentHash,
  customIdsHash,
  resolveInside,
} from "../io/plan-dir.js";
// The run backend seam (`submit({ backend })`, `Target.backend`): a batch system as the runner calls it.
export {
  adoptionTag,
  BackendCallError,
  type BackendCounts,
  type BatchBackend,
  type BatchInfo,
  type CallOptions,
  type CreateInput,
  type CreateOutcome,
} from "../run/backend.js";
export { REDACTED, redactDeep, redactSecrets } from "../run/redact.js";
export {
  formatDuration,
  formatRunWarning,
  renderNextSteps,
  renderProgressLine,
  renderRunEvent,
  renderRunStatus,
} from "../run/render.js";
export { RETRYABLE_ERROR_TYPES } from "../run/retry.js";
export {
  type BatchRecord,
  type BatchRequestCounts,
  type BatchState,
  type CreatingBatchRecord,
  type DownloadedBatchRecord,
  type EndedBatchRecord,
  type LockInfo,
  lockHolder,
  type PendingBatchRecord,
  RESULTS_DIR,
  type ResultsRecord,
  RUN_STATE_FILE,
  type RunFailure,
  type SubmittedBatchRecord,
  type WaveRecord,
} from "../run/state.js";
