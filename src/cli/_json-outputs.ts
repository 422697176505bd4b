/**
 * The shapes of the CLI's `--json` outputs and of the plan folder's files (internal, types only):
 * the source of the JSON Schemas in `schemas/` (see schemas/README.md), which the tests check
 * against real outputs.
 */
import type {
  CancelResult,
  Estimate,
  PlanFile,
  PlanSummary,
  Report,
  RetryResult,
  RunEvent,
  RunState,
} from "../index.js";

/** Every `--json` output of the CLI names the cacheplan version that wrote it. */
export interface Versioned {
  /** The version of the cacheplan package that wrote this output, e.g. "0.1.0". */
  cacheplanVersion: string;
}

/** `plan.json` of a plan folder, as `cacheplan plan --out` and `writePlan()` write it. */
export type PlanJson = PlanFile;
/** `run.json` of a plan folder: the state of its run, as `cacheplan submit` and `submit()` keep it. */
export type RunJson = RunState;
/** `cacheplan plan --json`: plan.json, with the cacheplan version. */
export type PlanOutput = PlanFile & Versioned;
/** `cacheplan estimate --json`: the estimate, with the cacheplan version. */
export type EstimateOutput = Estimate & Versioned;
/** `cacheplan report --json` (or `--format json`): the report, with the cacheplan version. */
export type ReportOutput = Report & Versioned;
/** `cacheplan status --json`: run.json with `submitted: true`, or only `submitted: false`. */
export type StatusOutput =
  | (RunState & Versioned & { submitted: true })
  | (Versioned & { submitted: false });
/** `cacheplan cancel --json`: what was canceled, with the cacheplan version. */
export type CancelOutput = CancelResult & Versioned;
/** `cacheplan retry --json`: what was found; the new plan only by its summary and folder. */
export type RetryOutput = Omit<RetryResult, "plan"> &
  Versioned & {
    /** The retry plan's summary and the folder it was written to (`null`: not written). */
    plan: { summary: PlanSummary; out: string | null } | null;
  };
/** An error of any command run with `--json`. */
export interface ErrorOutput extends Versioned {
  type: "error";
  /** Stable: `usage` for a wrong command line, `unexpected` for a bug, else the error's `code`. */
  code: string;
  /** What went wrong and what to do, naming flags as typed. */
  message: string;
  /** The process exit code: 2 for `usage` and `invalid-options`, else 3. */
  exitCode: 2 | 3;
}
/** One line of `cacheplan submit --json`: a run event, the closing report, or an error. */
export type SubmitLine =
  | (RunEvent & Versioned)
  | (Versioned & { type: "report"; report: Report })
  | ErrorOutput;
