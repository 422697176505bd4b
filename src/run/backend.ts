/**
 * The seam between the resumable runner and one batch system. `submit()`, `cancelRun()` and the
 * adoption rule (`_adopt.ts`) call a {@link BatchBackend}, never an SDK: waves, the lock,
 * `run.json`, adoption after a lost create answer, results downloads, cancel and retry are the
 * runner's, the same for every system; how a batch is created, looked at, listed, canceled and
 * read back is the backend's.
 *
 * Rules every backend follows (the runner relies on them):
 * - Each method makes its calls with the {@link CallOptions} it is given (`signal`, `timeout`,
 *   SDK retries off): the runner's `ApiCaller` times every attempt and retries the idempotent
 *   ones (retrieve, list, results, cancel) itself, honouring `retry-after`. A create is sent once
 *   (`sendOnce`) and never retried blindly.
 * - A failure is thrown as an error the runner can read (`_api-errors.ts` `apiFailure`): a
 *   `status` (HTTP status; absent when no answer came), optionally `type`, and `retryAfterMs` or
 *   `headers.get("retry-after")`. {@link BackendCallError} is such an error.
 * - Ids are checked against {@link BatchBackend.idPattern} on every answer. An id becomes part of
 *   a file name (`results/<batch>-<id>.jsonl`) and of URLs, so the pattern must only admit
 *   letters, digits, `_`, `-` and `.` (never `/` or `..`): a system whose native id is a
 *   resource name or an ARN records its last segment and rebuilds the name itself.
 */
import type { TargetResult, UsageFields } from "../targets/target.js";
import type { BatchRequest } from "../types.js";

/** Request options of one attempt, passed through to the SDK call. */
export interface CallOptions {
  /** Aborts this attempt (the run stopping, or the attempt's timeout). */
  signal: AbortSignal;
  /** Milliseconds the attempt may take. */
  timeout: number;
  /** The SDK's own retries: always 0 (the runner retries). */
  maxRetries: 0;
}

/** A batch's request counts, normalised (the API's `request_counts` for Anthropic). */
export interface BackendCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

/** A batch as the runner needs to know it, whatever the system. */
export interface BatchInfo {
  /** The batch's id, matching {@link BatchBackend.idPattern}. */
  id: string;
  /** `"ended"` once every request is decided and results can be read. */
  state: "in_progress" | "canceling" | "ended";
  /** Requests by outcome; every count but `processing` may stay 0 until the batch ends. */
  counts: BackendCounts;
  /** When the system created it (its clock, ISO 8601). */
  createdAt: string;
  /** When it expires if not ended (ISO 8601). */
  expiresAt: string;
  /** When it ended (ISO 8601), `null` while processing. */
  endedAt: string | null;
  /** When a cancel was asked (ISO 8601), else `null`. */
  cancelInitiatedAt: string | null;
  /** Its results can no longer be read (Anthropic: archived 29 days after creation). */
  archived: boolean;
  /**
   * The adoption tag the batch carries (metadata, display name, job name), as given to
   * {@link BatchBackend.create}; `null` when the system keeps none.
   */
  tag: string | null;
  /**
   * Simulated ms per real ms of the server's clock when a local emulator announces one
   * (`_clock.ts`); absent otherwise.
   */
  timeScale?: number;
  /**
   * Why the system ended the batch without running (all of) it, in its own words, e.g. a Bedrock
   * job's `message` when its status is `Failed` (a job under the 100-record minimum, a bad role).
   * Recorded in `run.json` and shown by `status` and `submit`. Absent when it ran.
   */
  failure?: string;
  /** The system's own answer, for display and debugging. Never written to `run.json`. */
  raw: unknown;
}

/** What {@link BatchBackend.create} gets: one planned batch. */
export interface CreateInput {
  /** The batch's index in the plan. */
  index: number;
  /** Its wave. */
  wave: number;
  /** Its requests, as planned (`{custom_id, params}`; the backend formats them for its system). */
  requests: readonly BatchRequest[];
  /** Absolute path of the plan's batch file (the same requests, one JSON line each). */
  file: string;
  /** Bytes of that file. */
  bytes: number;
  /** The batch's model when the plan sets one per batch, else `undefined`. */
  model: string | undefined;
  /**
   * The adoption tag: `cacheplan-<12 hex of the plan fingerprint>-<index, 4 digits>`, e.g.
   * `cacheplan-9f3a2b1c4d5e-0003` (27 characters, letters, digits and `-`). A backend whose
   * system keeps metadata stores it on the batch and returns it in {@link BatchInfo.tag}.
   */
  tag: string;
}

/** What a failed create means (see `_api-errors.ts` `createOutcome`). */
export type CreateOutcome = "not-created" | "refused" | "unknown";

/** One batch system, as the runner calls it. */
export interface BatchBackend {
  /** The target id, e.g. `"anthropic"`; recorded in `run.json` when not `"anthropic"`. */
  readonly target: string;
  /** A name for people, e.g. `"the Anthropic API"`, used in messages. */
  readonly name: string;
  /** What a batch is called in messages, e.g. `"Message Batch"`. */
  readonly batchNoun: string;
  /** The shape of an id, checked on every id from the server (see the rules above). */
  readonly idPattern: RegExp;
  /** The same in words, e.g. "`msgbatch_` then letters and digits". */
  readonly idShape: string;
  /**
   * The environment variable (or setting) that points the client at another server, named when
   * the server answers what the system never would, e.g. `"ANTHROPIC_BASE_URL"`.
   */
  readonly endpointEnv: string;
  /**
   * How a batch whose create answer was lost is found (`_adopt.ts`):
   * - `"tag"`: {@link list} returns each batch's {@link BatchInfo.tag}; a candidate carrying the
   *   intent's tag is it (the content is still checked when the results can be read);
   * - `"watermark"`: no tag is kept (Anthropic): candidates are the batches newer than the wave's
   *   watermark ({@link newest}), told apart by request counts and results' ids.
   */
  readonly adoption: "tag" | "watermark";
  /**
   * Most batches (jobs) the system runs at once for one account, when it has such a limit
   * (Vertex AI: 4 concurrent batch jobs): the runner keeps its unfinished batches at or under it,
   * as it keeps their requests under `maxQueued` (`_queue.ts`). Absent: no limit.
   */
  readonly maxConcurrent?: number;
  /** Strings to redact from everything the run prints or writes (the key, a token). */
  readonly secrets: readonly string[];
  /** Where a succeeded result's `usage` keeps its counts (the target's `usage`). */
  readonly usage: UsageFields;
  /** A raw result line normalised (the target's `readResult`); `undefined`: not a result line. */
  readResult(line: unknown): TargetResult | undefined;

  /** Creates one batch (uploading its file first when the system needs one). Sent once. */
  create(input: CreateInput, call: CallOptions): Promise<BatchInfo>;
  /** The batch now. Idempotent. */
  retrieve(id: string, call: CallOptions): Promise<BatchInfo>;
  /** Asks the system to cancel the batch; the batch after the ask. Idempotent. */
  cancel(id: string, call: CallOptions): Promise<BatchInfo>;
  /** The raw result lines of an ended batch, streamed. Idempotent (restarted whole on failure). */
  results(id: string, call: CallOptions): Promise<AsyncIterable<unknown>>;
  /**
   * Recent batches, newest first: those newer than `since` (a watermark from {@link newest}),
   * or the most recent ones when it is `null`. Idempotent.
   */
  list(since: string | null, call: CallOptions): Promise<BatchInfo[]>;
  /** The id of the newest batch (the wave's watermark), `null` when there is none. Idempotent. */
  newest(call: CallOptions): Promise<string | null>;
  /**
   * What a failed create means when the system says more than its HTTP status (e.g. a 429 of an
   * upload step before the batch could exist); `undefined` to use the runner's rule: 429 and 529
   * not created, other 4xx refused, no answer and 5xx unknown.
   */
  createOutcome?(error: unknown): CreateOutcome | undefined;
}

/** An error a backend can throw for the runner to read (`status`, `type`, `retryAfterMs`). */
export class BackendCallError extends Error {
  override name = "BackendCallError";
  /** HTTP status; `undefined` when no answer came. */
  readonly status: number | undefined;
  /** The system's error type, e.g. `"rate_limit_error"`, when it gives one. */
  readonly type: string | null;
  /** Milliseconds the system asked to wait, when it did. */
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    options: {
      status?: number | undefined;
      type?: string | null;
      retryAfterMs?: number | null;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.status = options.status;
    this.type = options.type ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** The adoption tag of batch `index` of a plan whose fingerprint is `plan` (`sha256:<hex>`). */
export function adoptionTag(plan: string, index: number): string {
  const hex = plan.replace(/^sha256:/, "").slice(0, 12);
  return `cacheplan-${hex}-${String(index).padStart(4, "0")}`;
}

/** Sum of a batch's counts: its number of requests. */
export function totalOf(counts: BackendCounts): number {
  return counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired;
}
