/**
 * The runner's error: one class whose `code` says what went wrong and whose message says what to
 * do (STYLE items 12, 13). The SDK's own error, when there is one, is kept as `cause`.
 */
import { CacheplanError } from "../errors.js";

/**
 * Why a run stopped with an error:
 * - `"api"`: the API refused or failed a call after the SDK's retries (401, 403, 404, 413, 429,
 *   5xx, no connection); `status` holds the HTTP status when there was one.
 * - `"ambiguous-adoption"`: after a crash between a batch's create and its record, the batches
 *   listed since do not identify it unambiguously; pass `adopt` or `recreate`.
 * - `"bad-adoption"`: a batch given in `adopt` does not match the planned batch.
 * - `"plan-changed"`: `run.json` belongs to another plan than the one given.
 * - `"locked"`: another process is submitting the same plan folder.
 * - `"bad-state"`: `run.json` cannot be read or is not a cacheplan run state.
 * - `"not-finished"`: the run has batches still processing or not downloaded (from `retryPlan()`).
 * - `"bad-answer"`: the server answered with something the API never sends (a batch id that is
 *   not one, the id of another batch): it is not the Anthropic API; nothing was written with it.
 */
export type RunErrorCode =
  | "api"
  | "ambiguous-adoption"
  | "bad-adoption"
  | "plan-changed"
  | "locked"
  | "bad-state"
  | "not-finished"
  | "bad-answer";

/** A failure of `submit()`, `cancelRun()` or `retryPlan()`. The run's state is saved first. */
export class RunError extends CacheplanError {
  override name = "RunError";

  /** What went wrong; see {@link RunErrorCode}. */
  declare readonly code: RunErrorCode;

  /** The HTTP status of the API's answer, for `code: "api"` when there was an answer. */
  readonly status: number | undefined;

  constructor(
    code: RunErrorCode,
    message: string,
    options: { cause?: unknown; status?: number | undefined } = {},
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.status = options.status;
  }
}

/** True when `error` is a {@link RunError}. */
export function isRunError(error: unknown): error is RunError {
  return error instanceof RunError;
}
