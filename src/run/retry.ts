/**
 * `retryPlan()`: a new plan of what a finished run did not get done: `errored` requests with a
 * retryable error type, `expired`, `canceled` and missing ones, and the batches a canceled run
 * never created. They go through `plan()` again, so they are grouped and primed anew. Requests
 * that errored for a reason a retry cannot cure (`invalid_request_error` first of all: fix the
 * body, reference §5.4) are listed instead.
 */
import path from "node:path";
import { readJsonl } from "../io/jsonl.js";
import { type PlanFile, planRequests as planLines, resolveInside } from "../io/plan-dir.js";
import { plan as planRequests } from "../plan/plan.js";
import { removeMarkers } from "../request/markers.js";
import { loadTarget, type TargetId } from "../targets/index.js";
import type { TargetResult } from "../targets/target.js";
import type { BatchRequest, Plan, PlanOptions } from "../types.js";
import type { Json } from "../util/json.js";
import { folderSource, type PlanSource } from "./_source.js";
import { RunError } from "./errors.js";
import { openPlanFolder } from "./plan-folder.js";
import {
  initialRunStateOf,
  RUN_STATE_FILE,
  type RunState,
  readRunState,
  targetOf,
} from "./state.js";
import type { RetryOptions, RetryReason, RetryResult } from "./types.js";

/**
 * `errored` result types worth retrying as they are: the API's transient failures. Every other
 * type (`invalid_request_error`, `authentication_error`, `permission_error`, `billing_error`,
 * `not_found_error`, …) needs a fix first and is listed in `toFix`.
 */
export const RETRYABLE_ERROR_TYPES: readonly string[] = Object.freeze([
  "api_error",
  "overloaded_error",
  "rate_limit_error",
  "timeout_error",
]);

/**
 * The original plan's options, its target included: a retry of a Vertex or Bedrock run is a plan
 * for the same target, checked against that target's limits (a Bedrock file may hold 1 GB, an
 * Anthropic batch 256 MB; reference §5.2, other-batch-systems.md §2.3).
 */
function planOptionsOf(original: Pick<Plan, "options">): PlanOptions {
  const o = original.options;
  return {
    ...targetOption(original),
    strategy: o.strategy,
    ttl: o.ttl,
    userMarkers: o.userMarkers,
    maxRequests: o.maxRequests,
    maxBytes: o.maxBytes,
    maxWaves: o.maxWaves,
    concurrency: o.concurrency,
    // Blocks a split-text plan split stay split (removeMarkers merges nothing back): planned again
    // as ordinary text blocks; the flag is kept so text shared inside the rest is split alike.
    ...(o.splitText === true ? { splitText: true } : {}),
    ...(o.maxQueued === undefined ? {} : { maxQueued: o.maxQueued }),
  };
}

/** `{ target }` of a plan for another target than Anthropic's (an Anthropic plan records none). */
function targetOption(original: Pick<Plan, "options">): Pick<PlanOptions, "target"> {
  const target = targetOf(original) as TargetId;
  return target === "anthropic" ? {} : { target };
}

/**
 * The run state of `planDir`, checked to be a finished run of `original`.
 *
 * @throws {RunError} as {@link retryPlan} says.
 */
async function finishedRun(planDir: string, original: PlanSource): Promise<RunState> {
  const state = await readRunState(planDir);
  if (state === null) {
    throw new RunError(
      "bad-state",
      `\`${planDir}\` was never submitted (no \`run.json\`): nothing to retry. Submit it with \`cacheplan submit ${planDir}\`.`,
    );
  }
  const prints = await original.fingerprints(); // each batch file checked against plan.json
  if (initialRunStateOf(original.plan, prints, state.startedAt).plan !== state.plan) {
    throw new RunError(
      "plan-changed",
      `\`${planDir}/run.json\` records a run of another plan than the one in \`${planDir}\`; cannot tell what to retry.`,
    );
  }
  const unfinished = state.batches.filter(
    (b) => b.state === "creating" || b.state === "submitted" || b.state === "ended",
  );
  if (unfinished.length > 0) {
    throw new RunError(
      "not-finished",
      `${unfinished.length} batch${unfinished.length === 1 ? " of the run is" : "es of the run are"} still processing or not downloaded (${unfinished.map((b) => b.index).join(", ")}). Run \`cacheplan submit ${planDir}\` to finish them (or \`cacheplan cancel ${planDir}\` first to stop them), then retry.`,
    );
  }
  const notCreated = state.batches.filter((b) => b.state === "pending");
  if (notCreated.length > 0 && state.canceledAt === null) {
    throw new RunError(
      "not-finished",
      `${notCreated.length} batch${notCreated.length === 1 ? " was" : "es were"} never submitted and the run was not canceled: resume it with \`cacheplan submit ${planDir}\`, or \`cacheplan cancel ${planDir}\` to stop it and retry them.`,
    );
  }
  return state;
}

/** What the results say, gathered into `result`; `add` marks a `custom_id` to retry. */
interface Tally {
  result: RetryResult;
  add: (id: string, reason: RetryReason) => void;
  /** The plan's target's reader of a result line (`Target.readResult`). */
  read: (line: unknown) => TargetResult | undefined;
}

/** The error message of a failed result line, where the Anthropic API puts it (else ""). */
function errorMessage(raw: unknown): string {
  const r = (raw as { result?: { error?: { error?: Json } } } | undefined)?.result;
  const message = (r?.error?.error as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message : "";
}

/** Counts one line of a results file: succeeded, to retry, or to fix. */
function tallyLine(tally: Tally, value: unknown): void {
  const read = tally.read(value);
  if (read === undefined) return;
  const { result } = tally;
  const id = read.id;
  if (read.status === "succeeded") result.succeeded += 1;
  else if (read.status !== "failed")
    tally.add(id, read.status === "expired" ? "expired" : "canceled");
  else {
    const type = read.errorType;
    if (RETRYABLE_ERROR_TYPES.includes(type)) {
      tally.add(id, "errored");
      result.retriedErrors[type] = (result.retriedErrors[type] ?? 0) + 1;
    } else {
      result.toFix.push({ custom_id: id, errorType: type, message: errorMessage(read.raw) });
    }
  }
}

/** Goes through every batch of the run: never-created batches, missing ids, results lines. */
async function tallyRun(planDir: string, original: PlanSource, state: RunState, tally: Tally) {
  for (const record of state.batches) {
    if (record.state === "pending") {
      for (const id of await original.ids(record.index)) tally.add(id, "not-submitted");
      original.release(record.index);
      continue;
    }
    if (record.state !== "downloaded") continue;
    for (const id of record.results.missing) tally.add(id, "missing");
    if (record.results.lines === 0) continue;
    const file = await resolveInside(
      planDir,
      record.results.file,
      `\`${path.join(planDir, RUN_STATE_FILE)}\` batch ${record.index}`,
    );
    for await (const line of readJsonl(file, { source: record.results.file })) {
      tallyLine(tally, line.value);
    }
  }
}

/**
 * The original requests to retry, without the planner's markers (the user's own stay), read from
 * the plan folder one line at a time (only those kept).
 */
async function requestsToRetry(
  planDir: string,
  original: PlanFile,
  retry: ReadonlySet<string>,
): Promise<BatchRequest[]> {
  const labels = new Map<string, string[]>();
  for (const group of original.groups) {
    const planner = group.breakpoints.filter((b) => b.origin === "planner").map((b) => b.segment);
    if (planner.length === 0) continue;
    for (const id of group.customIds) if (retry.has(id)) labels.set(id, planner);
  }
  const requests: BatchRequest[] = [];
  for await (const { request } of planLines(planDir, original, { unique: false })) {
    if (retry.has(request.custom_id)) {
      // The new plan places its own markers.
      requests.push(removeMarkers(request, labels.get(request.custom_id) ?? []));
    }
  }
  return requests;
}

/**
 * Reads a finished run (`planDir/run.json` and its results files) and plans again the requests to
 * retry. Offline: no key, no network. Write the plan with `writePlan()` and submit it as usual.
 *
 * @throws {RunError} `bad-state` when the plan was never submitted; `not-finished` while batches
 * are processing or not downloaded, or batches were never created in a run that was not
 * canceled (resume it with `submit()`, or cancel it first); `plan-changed` when `run.json`
 * belongs to another plan.
 */
export async function retryPlan(planDir: string, options: RetryOptions = {}): Promise<RetryResult> {
  const opened = await openPlanFolder(planDir);
  const source = folderSource(opened);
  const original = opened.plan;
  const state = await finishedRun(planDir, source);
  const result: RetryResult = {
    plan: null,
    retried: { errored: 0, expired: 0, canceled: 0, missing: 0, "not-submitted": 0 },
    retriedErrors: {},
    toFix: [],
    succeeded: 0,
  };
  const retry = new Set<string>();
  const add = (id: string, reason: RetryReason) => {
    retry.add(id);
    result.retried[reason] += 1;
  };
  const target = await loadTarget(targetOf(original) as TargetId);
  await tallyRun(planDir, source, state, { result, add, read: target.readResult });
  if (retry.size === 0) return result;
  const requests = await requestsToRetry(planDir, original, retry);
  const planOptions = options.planOptions
    ? { ...targetOption(original), ...options.planOptions }
    : planOptionsOf(original);
  result.plan = await planRequests(requests, planOptions);
  return result;
}
