/**
 * The run state: `run.json` in the plan folder, the runner's only memory between processes. It is
 * rewritten atomically (temporary file, then rename) after every change, and holds batch ids,
 * statuses, counts, timestamps, results files and content fingerprints: never prompt text, never
 * an API key.
 */

import { readFile } from "node:fs/promises";
import path from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import { RESULTS_DIR, RUN_STATE_FILE } from "../io/plan-files.js";
import type { TokenBreakdown } from "../pricing/cost.js";
import type { BatchRequest, Plan, PlannedBatch } from "../types.js";
import { jsonLinesHash, sha256Hex } from "../util/hash.js";
import { RunError } from "./errors.js";

// The names inside a plan folder live in io/plan-files.ts (the planner checks for run.json too).
export { RESULTS_DIR, RUN_STATE_FILE } from "../io/plan-files.js";

/** Who holds a plan folder's `run.lock` (a submit in progress): with run.json, a run's state. */
export { type LockInfo, lockHolder } from "./_lock.js";

/** A batch's request counts, exactly as the API reports them (`MessageBatch.request_counts`). */
export type BatchRequestCounts = Anthropic.Messages.Batches.MessageBatchRequestCounts;

/** What the runner knows of a planned batch whatever its state. */
interface BatchRecordBase {
  /** The batch's index in the plan. */
  index: number;
  /** Its wave. */
  wave: number;
  /** Its number of requests. */
  requestCount: number;
  /**
   * `sha256:` and the hex SHA-256 of its requests, one `JSON.stringify(request)` and a newline
   * each: identifies the content without holding it.
   */
  fingerprint: string;
}

/** A batch the API knows: its id and the API's own timestamps. */
interface CreatedFields {
  /** The batch's id, e.g. `"msgbatch_01…"`. */
  id: string;
  /** `created_at` of the batch, as the API gave it (the API's clock). */
  created_at: string;
  /** `expires_at` of the batch (24 hours after creation, reference fact 19). */
  expires_at: string;
  /**
   * How the id was learned: `"created"` from the create call's answer; `"results"`, `"counts"`
   * `"user"` or `"tag"` (a backend that keeps the create's adoption tag on the batch,
   * `backend.ts`) when it was adopted after a create whose answer was lost (see `submit()`).
   */
  origin: "created" | "results" | "counts" | "user" | "tag";
}

/** Not created yet. */
export interface PendingBatchRecord extends BatchRecordBase {
  state: "pending";
}

/**
 * A create was started and its outcome is not known: the intent is recorded before the call, so
 * that a crash between the create and its record is found on the next start and resolved by
 * adoption (see `submit()`).
 */
export interface CreatingBatchRecord extends BatchRecordBase {
  state: "creating";
  /** When the create was started (this machine's clock, ISO 8601). */
  intentAt: string;
  /** Create attempts so far, this one included. */
  attempts: number;
}

/** Created and still processing. */
export interface SubmittedBatchRecord extends BatchRecordBase, CreatedFields {
  state: "submitted";
  /** `processing_status` at the last poll. */
  processing_status: "in_progress" | "canceling";
  /** `cancel_initiated_at`, once the batch is canceled. */
  cancel_initiated_at: string | null;
  /**
   * `request_counts` at the last poll (every count but `processing` stays 0 until the batch ends,
   * reference fact 19). Absent in states written before cacheplan recorded them.
   */
  request_counts?: BatchRequestCounts;
}

/** Ended (all requests decided); its results are not downloaded yet. */
export interface EndedBatchRecord extends BatchRecordBase, CreatedFields {
  state: "ended";
  /** `ended_at` of the batch (the API's clock). */
  ended_at: string;
  /** Final counts. */
  request_counts: BatchRequestCounts;
  /** Why the system ended it without running (all of) it, in its words ({@link BatchInfo.failure}). */
  failure?: string;
}

/** Ended, and its results are in `results.file`. */
export interface DownloadedBatchRecord extends BatchRecordBase, CreatedFields {
  state: "downloaded";
  /** `ended_at` of the batch (the API's clock). */
  ended_at: string;
  /** Final counts, as the API reported them. */
  request_counts: BatchRequestCounts;
  /** Why the system ended it without running (all of) it, in its words ({@link BatchInfo.failure}). */
  failure?: string;
  /** What the results file holds. */
  results: ResultsRecord;
}

/** A planned batch as the run knows it, by lifecycle state. */
export type BatchRecord =
  | PendingBatchRecord
  | CreatingBatchRecord
  | SubmittedBatchRecord
  | EndedBatchRecord
  | DownloadedBatchRecord;

/** The state of a {@link BatchRecord}. */
export type BatchState = BatchRecord["state"];

/** A downloaded results file and what it holds. */
export interface ResultsRecord {
  /** Path of the file relative to the plan folder, e.g. `"results/0003-msgbatch_01….jsonl"`. */
  file: string;
  /** Lines written: one per planned `custom_id` that came back. */
  lines: number;
  /** Lines by result type. */
  byType: { succeeded: number; errored: number; canceled: number; expired: number };
  /** `errored` lines by error type, e.g. `{ "overloaded_error": 2 }`. */
  errors: Record<string, number>;
  /** Planned `custom_id`s of the batch with no result line. */
  missing: string[];
  /** Lines left out of the file: a `custom_id` not in the batch, or one seen before. */
  unexpected: number;
  /**
   * Token sums over succeeded lines, for the hit rate so far, as the one usage reader counts them
   * (`src/usage.ts`): the cache write split into `cacheWrite5m` and `cacheWrite1h`. A `run.json`
   * written before the split kept only the write's total (`cacheWrite`); `readRunState()`
   * reads it as `cacheWrite5m` (the API's default TTL, reference §3), `cacheWrite1h` 0.
   */
  tokens: TokenBreakdown;
  /** When the download finished (this machine's clock, ISO 8601). */
  downloadedAt: string;
}

/** What the run knows of one wave. */
export interface WaveRecord {
  /** The wave number, as in the plan. */
  wave: number;
  /**
   * The newest batch in the workspace just before this wave's first create (`null`: there was
   * none). After a lost create, only batches newer than it are candidates for adoption.
   */
  listedBefore: string | null;
  /** When the wave's first create started (this machine's clock, ISO 8601). */
  startedAt: string;
  /** `created_at` of the wave's first batch (the API's clock), once known. */
  firstCreatedAt: string | null;
  /** `ended_at` of the wave's last batch (the API's clock), once every batch has ended. */
  endedAt: string | null;
  /**
   * When the run found every batch of the wave ended and downloaded (this machine's clock, ISO
   * 8601). `status` shows this machine's times; the API's (`firstCreatedAt`, `endedAt`) may run
   * on another clock (the emulator adds simulated durations). Absent in older states.
   */
  finishedAt?: string | null;
}

/** Why the last `submit()` of the run stopped with an error (redacted, like everything here). */
export interface RunFailure {
  /** When (this machine's clock, ISO 8601). */
  at: string;
  /** The error's `code` (`"api"`, `"bad-answer"`, …; `"unexpected"` for another error). */
  code: string;
  /** Its message: what failed and what to do. */
  message: string;
}

/**
 * `run.json`: the state of the submission of a plan. Version 1.
 *
 * @example
 * ```json
 * { "version": 1, "plan": "sha256:9f…", "startedAt": "2026-11-22T10:00:00.000Z",
 *   "updatedAt": "2026-11-22T10:20:41.512Z", "canceledAt": null,
 *   "waves": [{ "wave": 0, "listedBefore": null, "startedAt": "…", "firstCreatedAt": "…", "endedAt": "…" }],
 *   "batches": [{ "index": 0, "wave": 0, "requestCount": 3, "fingerprint": "sha256:…",
 *     "state": "downloaded", "id": "msgbatch_01…", "origin": "created", "created_at": "…",
 *     "expires_at": "…", "ended_at": "…", "request_counts": { … }, "results": { … } }] }
 * ```
 */
export interface RunState {
  /** State format version. */
  version: 1;
  /**
   * The batch system the run is on (its backend, `backend.ts`), when it is not `"anthropic"`:
   * absent for the Anthropic API, so its states stay as they were.
   */
  target?: string;
  /** Fingerprint of the plan: SHA-256 over its batches' fingerprints, in order. */
  plan: string;
  /** When the run was first started (this machine's clock, ISO 8601). */
  startedAt: string;
  /** When the state was last written (this machine's clock, ISO 8601). */
  updatedAt: string;
  /** When `cancelRun()` ran; from then on no batch is created. `null` otherwise. */
  canceledAt: string | null;
  /**
   * The failure that stopped the last `submit()`; `null` (or absent, in older states) when it did
   * not fail. Cleared when a `submit()` starts again.
   */
  lastFailure?: RunFailure | null;
  /** Waves the run has started, ascending. */
  waves: WaveRecord[];
  /** Every planned batch, in plan order. */
  batches: BatchRecord[];
}

/** `sha256:<hex>` of a batch's requests: one `JSON.stringify(request)` and a newline each. */
export function batchFingerprint(requests: readonly BatchRequest[]): string {
  return jsonLinesHash(requests);
}

/** `sha256:<hex>` over a plan's batch fingerprints, in order. */
export function planFingerprint(fingerprints: readonly string[]): string {
  return `sha256:${sha256Hex(fingerprints.join("\n"))}`;
}

/** The target a plan is for (`plan.json` records it when it is not `"anthropic"`). */
export function targetOf(plan: Pick<Plan, "options">): string {
  const target = (plan.options as { target?: unknown }).target;
  return typeof target === "string" ? target : "anthropic";
}

/** A fresh state for `plan`: every batch pending. */
export function initialRunState(plan: Plan, now: string): RunState {
  return initialRunStateOf(
    plan,
    plan.batches.map((b) => batchFingerprint(b.requests)),
    now,
  );
}

/**
 * A fresh state for a plan whose batches' fingerprints are known (`fingerprints[i]` of batch
 * `i`): a plan folder's, from its files' hashes, without holding its requests.
 */
export function initialRunStateOf(
  plan: Pick<Plan, "options"> & {
    batches: readonly Pick<PlannedBatch, "index" | "wave" | "requestCount">[];
  },
  fingerprints: readonly string[],
  now: string,
): RunState {
  const batches: BatchRecord[] = plan.batches.map((b, i) => ({
    index: b.index,
    wave: b.wave,
    requestCount: b.requestCount,
    fingerprint: fingerprints[i]!,
    state: "pending",
  }));
  const target = targetOf(plan);
  return {
    version: 1,
    ...(target === "anthropic" ? {} : { target }),
    plan: planFingerprint(batches.map((b) => b.fingerprint)),
    startedAt: now,
    updatedAt: now,
    canceledAt: null,
    waves: [],
    batches,
  };
}

const STATES: ReadonlySet<string> = new Set<BatchState>([
  "pending",
  "creating",
  "submitted",
  "ended",
  "downloaded",
]);

/**
 * Reads `run.json` from a plan folder; `null` when the plan was never submitted. Offline: the
 * `status` command is built on it.
 *
 * @throws {RunError} `bad-state` when the file exists but is not a version-1 run state.
 */
export async function readRunState(planDir: string): Promise<RunState | null> {
  const file = path.join(planDir, RUN_STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new RunError("bad-state", `Cannot read \`${file}\`: ${(error as Error).message}.`, {
      cause: error,
    });
  }
  let parsed: RunState;
  try {
    parsed = JSON.parse(text) as RunState;
  } catch (error) {
    throw new RunError(
      "bad-state",
      `\`${file}\` is not valid JSON (${(error as Error).message}). It is written atomically, so it was edited or damaged by hand: restore it, or move it away to start the run again (batches already created would then be created again).`,
      { cause: error },
    );
  }
  const ok =
    typeof parsed === "object" &&
    parsed !== null &&
    parsed.version === 1 &&
    typeof parsed.plan === "string" &&
    Array.isArray(parsed.batches) &&
    Array.isArray(parsed.waves) &&
    parsed.batches.every((b) => STATES.has(b?.state));
  if (!ok) {
    throw new RunError(
      "bad-state",
      `\`${file}\` is not a cacheplan run state (version 1). Restore it, or move it away to start the run again.`,
    );
  }
  checkPaths(parsed, file);
  splitLegacyWrites(parsed);
  return parsed;
}

/** The token sums of a results record in a `run.json` written before the 5m/1h split. */
interface LegacyTokens {
  input: number;
  cacheWrite: number;
  cacheRead: number;
  output: number;
}

/**
 * Token sums of a `run.json` written before the cache write was split by TTL hold only its total
 * (`cacheWrite`): counted as 5m writes, the API's default TTL (reference §3: "Defaults to `5m`"),
 * as the usage reader counts a write that comes with no split. In place; a later save writes the
 * split.
 */
function splitLegacyWrites(state: RunState): void {
  for (const b of state.batches) {
    if (b.state !== "downloaded") continue;
    const tokens = b.results.tokens as TokenBreakdown | LegacyTokens | undefined;
    if (tokens === undefined || !("cacheWrite" in tokens) || "cacheWrite5m" in tokens) continue;
    const { input, cacheWrite, cacheRead, output } = tokens;
    b.results.tokens = { input, cacheWrite5m: cacheWrite, cacheWrite1h: 0, cacheRead, output };
  }
}

/** Batch ids as the API gives them (see `_ids.ts`, which this mirrors for the state). */
const ID = /^msgbatch_[A-Za-z0-9]{1,128}$/;
/** Ids of other targets' backends: letters, digits, `_`, `-`, `.`, never `..` (`backend.ts`). */
const OTHER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

function idOk(id: unknown, target: string | undefined): boolean {
  if (typeof id !== "string") return false;
  if (target === undefined || target === "anthropic") return ID.test(id);
  return OTHER_ID.test(id) && !id.includes("..");
}

/**
 * Every path and id `run.json` holds must be what cacheplan writes: a batch id of the API's
 * shape, and a results file `results/<batch>-<id>.jsonl` of that batch, inside the plan folder.
 * A state edited to name `../../x` or another batch's file is refused before anything is read.
 */
function checkPaths(state: RunState, file: string): void {
  for (const [i, b] of state.batches.entries()) {
    const bad = (what: string) =>
      new RunError(
        "bad-state",
        `\`${file}\` batch ${i}: ${what}. cacheplan writes only batch ids of the API's shape and results files \`${RESULTS_DIR}/<batch>-<id>.jsonl\` inside the plan folder, so the file was edited by hand or damaged: restore it, or move it away to start the run again (batches already created would then be created again).`,
      );
    if (b.index !== i) throw bad(`its \`index\` is ${JSON.stringify(b.index)}`);
    if (b.state === "pending" || b.state === "creating") continue;
    if (!idOk(b.id, state.target)) {
      throw bad(
        `the batch id ${JSON.stringify(String(b.id).slice(0, 80))} is not a ${state.target === undefined || state.target === "anthropic" ? "Message Batch" : `${state.target} batch`} id`,
      );
    }
    if (b.state !== "downloaded") continue;
    const expected = `${RESULTS_DIR}/${String(i).padStart(4, "0")}-${b.id}.jsonl`;
    if (b.results?.file !== expected) {
      throw bad(
        `the results file ${JSON.stringify(String(b.results?.file).slice(0, 200))} is not the batch's own (\`${expected}\`)`,
      );
    }
  }
}
