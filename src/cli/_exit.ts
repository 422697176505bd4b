/**
 * The exit codes of `cacheplan` and the one function that picks them (internal): every command
 * returns what it ended with, `main` maps a thrown error, and both go through `exitCodeOf`, a
 * pure function of that outcome (STYLE item 6, attw's `getExitCode.ts`). "Done with problems"
 * (1) stays distinct from "could not do it" (2, 3). The table is in `cacheplan --help` and the
 * README.
 */
import {
  type CancelResult,
  isCacheplanError,
  type Report,
  type RetryResult,
  type RunState,
  type SubmitResult,
} from "../index.js";
import { UsageError } from "./_context.js";

/** Exit codes (documented in the README and `cacheplan --help`). */
export const EXIT = {
  /** Done; nothing needs attention. */
  ok: 0,
  /** Done, but found problems the user must act on (e.g. rejected requests). */
  problems: 1,
  /** The command line is wrong (unknown command or option, bad value). */
  usage: 2,
  /**
   * An input could not be used, the environment lacks something (`ANTHROPIC_API_KEY`), or
   * something failed unexpectedly.
   */
  failure: 3,
  /** Stopped by SIGINT (Ctrl-C): 128 + 2, the shell's convention; the state is kept. */
  interrupted: 130,
  /** Stopped by SIGTERM: 128 + 15; the state is kept. */
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The signals a command stops on, each with its exit code: 128 + its number. */
export const SIGNAL_EXIT = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated } as const;

/** A signal a command stops on. */
export type StopSignal = keyof typeof SIGNAL_EXIT;

/** What a command ended with: the facts its exit code depends on, and nothing else. */
export type Outcome =
  | {
      command: "plan";
      rejected: number;
      planned: number;
      allowRejects: boolean;
      allowEmpty: boolean;
    }
  | { command: "estimate"; rejected: number; planned: number }
  | {
      command: "report";
      report: Pick<Report, "problems"> & Partial<Pick<Report, "overall">>;
      allowPartial: boolean;
    }
  | {
      command: "submit";
      result: Pick<SubmitResult, "status" | "progress">;
      signal: StopSignal | null;
    }
  | { command: "status"; state: RunState | null }
  | { command: "cancel"; result: Pick<CancelResult, "unknown" | "submitRunning"> }
  | { command: "retry"; result: Pick<RetryResult, "toFix" | "plan">; written: boolean }
  | { command: "demo"; stopped: boolean; signal: StopSignal | null }
  /** `emulate`, `help`, `--version`: done once they return. */
  | { command: "done" }
  /** Anything thrown: a wrong command line, a library error, a bug. */
  | { command: "error"; error: unknown };

/** True when the results held no result line at all: there is nothing to report. Pure. */
export function hasNoResults(result: Partial<Pick<Report, "overall">>): boolean {
  const r = result.overall?.requests;
  return r !== undefined && r.succeeded + r.errored + r.canceled + r.expired === 0;
}

/** A run's status: 1 when it finished with requests to retry, else 0 (even in progress). */
function statusCode(state: RunState | null): ExitCode {
  for (const b of state?.batches ?? []) {
    if (b.state !== "downloaded") continue;
    const r = b.results;
    if (r.byType.errored + r.byType.canceled + r.byType.expired + r.missing.length > 0)
      return EXIT.problems;
  }
  return EXIT.ok;
}

/** The exit code of a thrown error: 2 for a wrong command line or option, else 3. */
function errorCode(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.usage;
  if (isCacheplanError(error) && error.code === "invalid-options") return EXIT.usage;
  // An input that cannot be used, a missing `ANTHROPIC_API_KEY` (`missing-environment`: not
  // the command line's fault), a failed run, a bug.
  return EXIT.failure;
}

const problemsIf = (condition: boolean): ExitCode => (condition ? EXIT.problems : EXIT.ok);

/**
 * The exit code of an outcome. Pure. A run stopped by a signal exits 128 + its number; a run
 * stopped otherwise (the caller's abort) or whose requests did not all succeed exits 1.
 */
export function exitCodeOf(outcome: Outcome): ExitCode {
  switch (outcome.command) {
    case "plan":
      return problemsIf(
        (outcome.rejected > 0 && !outcome.allowRejects) ||
          (outcome.planned === 0 && !outcome.allowEmpty),
      );
    case "estimate":
      return problemsIf(outcome.rejected > 0 || outcome.planned === 0);
    case "report":
      return problemsIf(
        (outcome.report.problems.length > 0 || hasNoResults(outcome.report)) &&
          !outcome.allowPartial,
      );
    case "submit": {
      if (outcome.signal) return SIGNAL_EXIT[outcome.signal];
      const r = outcome.result.progress.requests;
      return problemsIf(outcome.result.status === "interrupted" || r.failed + r.missing > 0);
    }
    case "status":
      return statusCode(outcome.state);
    case "cancel":
      return problemsIf(outcome.result.unknown.length > 0 && !outcome.result.submitRunning);
    case "retry":
      return problemsIf(
        outcome.result.toFix.length > 0 || (outcome.result.plan !== null && !outcome.written),
      );
    case "demo":
      return outcome.signal ? SIGNAL_EXIT[outcome.signal] : problemsIf(outcome.stopped);
    case "done":
      return EXIT.ok;
    case "error":
      return errorCode(outcome.error);
  }
}
