/**
 * The run's stop (internal): a call cut short because the run's signal aborted (Ctrl-C, SIGTERM,
 * the caller's `signal`) is no failure of the API. `ApiCaller` throws a {@link RunStopped} then,
 * neither retried nor explained as "no answer" (`explainFailure()` passes it through), and
 * `submit()` ends such a run as `"interrupted"`: state saved, lock released.
 */

/** A call stopped by the run's signal; `cause` is what the attempt threw. */
export class RunStopped extends Error {
  override name = "RunStopped";

  constructor(doing: string, cause: unknown) {
    super(`Stopped while ${doing}.`, { cause });
  }
}

/** True when `error` is a {@link RunStopped}. */
export function isRunStopped(error: unknown): error is RunStopped {
  return error instanceof RunStopped;
}
