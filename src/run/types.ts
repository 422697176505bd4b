/**
 * Public types of the runner: `submit()`, its progress events, `cancelRun()` and `retryPlan()`.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { ModelTable } from "../pricing/models.js";
import type { Plan, PlanOptions } from "../types.js";
import type { BatchBackend } from "./backend.js";
import type { BatchRequestCounts, ResultsRecord, RunState } from "./state.js";

/** How often `submit()` polls the batches of a wave. */
export interface PollOptions {
  /**
   * Milliseconds between the first polls of a wave. Batches usually take 5 minutes to 1 hour
   * (reference fact 16), so there is no point in polling often.
   * @default 10000
   */
  intervalMs?: number;
  /**
   * The interval grows by `factor` after every poll in which no batch ended, up to this.
   * @default 60000
   */
  maxIntervalMs?: number;
  /**
   * Growth of the interval per quiet poll.
   * @default 1.5
   */
  factor?: number;
}

/** Options of `submit()`. `planDir` and `client` (or `backend`) are required. */
export interface SubmitOptions {
  /**
   * The SDK client to call, configured by the caller: key, base URL, workspace headers; for a
   * plan of the Anthropic API (the default target) an `Anthropic` client, for another target a
   * client of its SDK (the target's `createClient()` makes one). The runner never stores or
   * prints its key (it reads it only to redact it from every message it prints or writes). Its
   * retries and timeout are replaced by `maxRetries` and `timeout`: every call is sent with the
   * SDK's retries off, idempotent ones retried by the runner, and `batches.create` never blindly
   * retried (a failed create is looked for before it is created again).
   */
  client?: Anthropic | object;
  /**
   * The batch system to run on, instead of the one the plan's target builds on `client` (see
   * `BatchBackend`): for tests, and for systems cacheplan does not ship. Its `target` must be the
   * plan's.
   * @default the plan's target's backend on `client`
   */
  backend?: BatchBackend;
  /**
   * The plan folder (from `writePlan()`): `run.json` and `results/` are written there. The plan
   * given must be the one the state was started with (checked by fingerprint).
   */
  planDir: string;
  /**
   * Called with every progress event; see {@link RunEvent}. Must not throw.
   * @default undefined
   */
  onProgress?: (event: RunEvent) => void;
  /**
   * Stops watching when aborted: creates already started finish and are recorded, polls and
   * downloads stop, the state is saved, and `submit()` resolves with `status: "interrupted"`.
   * Run `submit()` again to resume.
   * @default undefined
   */
  signal?: AbortSignal;
  /**
   * Batches created at the same time (with `p-limit`).
   * @default 4
   */
  concurrency?: number;
  /** Polling intervals; see {@link PollOptions}. */
  poll?: PollOptions;
  /**
   * Batches to adopt for creates whose outcome is unknown, by batch index: `{ 3: "msgbatch_…" }`.
   * The batch is checked (same number of requests; when it has ended, the same `custom_id`s)
   * before it is adopted. For when `submit()` stopped with an `ambiguous-adoption` error.
   * @default {}
   */
  adopt?: Readonly<Record<number, string>>;
  /**
   * Creates whose outcome is unknown to create again without looking for them: `true` for all,
   * or batch indexes. Only for when no listed batch is the lost one (else it is paid twice).
   * @default false
   */
  recreate?: boolean | readonly number[];
  /**
   * When a create's outcome is unknown and no batch created since matches it, how long after the
   * create started to wait before creating it again (a create in flight may still land).
   * @default 30000
   */
  createSettleMs?: number;
  /**
   * What to do when creates whose answers were lost match several batches of the same size, all
   * still processing (their `custom_id`s cannot be read yet): `"wait"` until they have ended and
   * match them by their results (the wave waits for them anyway), or `"stop"` with a `RunError`
   * (`ambiguous-adoption`) that lists them for `adopt` or `recreate`.
   * @default "wait"
   */
  ambiguous?: "wait" | "stop";
  /**
   * Times a create that failed is tried again (429, 529, and unknown outcomes that turned out not
   * to have created anything), with exponential backoff and the API's `retry-after`.
   * @default `maxRetries` (8)
   */
  createRetries?: number;
  /**
   * Most requests this run keeps in unfinished batches at once: the Message Batches API limits
   * the requests queued across all unfinished batches of an organisation (200,000 / 300,000 /
   * 500,000 by tier) and refuses a create beyond it with 429. A wave's batches are created in
   * plan order as long as they fit; the next one as earlier ones end (a `queue-wait` event says
   * the run waits for room). A 429 is a wait of the API's `retry-after`, never a failure. The
   * default is half the smallest current tier's queue (the queue is shared with the
   * organisation's other work) and fits any batch (100,000 requests at most); raise it to your
   * tier's limit for more batches at once. A batch larger than it is refused at the start.
   * @default 100000
   */
  maxQueued?: number;
  /**
   * Model table, for the cost of a missed 1h window between waves.
   * @default defaultModelTable
   */
  models?: ModelTable;
  /**
   * Retries of an idempotent call (retrieve, list, results, cancel) that got no answer, a 408,
   * 409, 429 or 5xx: after the `retry-after` the API asked for, else with exponential backoff
   * (see `retryBackoff`) and jitter. The default rides out about a minute and a half of failures.
   * Also the default of `createRetries`.
   * @default 8
   */
  maxRetries?: number;
  /**
   * Milliseconds an API call may take before it counts as no answer (then an idempotent call is
   * retried, and a create is looked for by the adoption rule). Creates get at least this, and
   * 10 minutes by default, since their body can be 256 MB.
   * @default 120000 (600000 for creates)
   */
  timeout?: number;
  /**
   * Backoff of retries without a `retry-after`: `initialMs`, doubling per retry up to `maxMs`,
   * each delay drawn in [half, all] of that (jitter, so that many clients do not retry in step);
   * `seed` makes the draws deterministic.
   * @default { initialMs: 1000, maxMs: 30000 }
   */
  retryBackoff?: { initialMs?: number; maxMs?: number; seed?: number };
  /**
   * While a call has had no answer for this long, and again each time as long, a `waiting` event
   * says so (a hung server is otherwise silent until `timeout`).
   * @default 15000
   */
  waitNoticeMs?: number;
}

/** Where a run stands, carried by every {@link RunEvent}. */
export interface RunProgress {
  /** The wave being submitted or watched; `null` before the first and after the last. */
  wave: number | null;
  /** Waves in the plan. */
  waves: number;
  /**
   * Milliseconds since this `submit()` started (this machine's clock); `null` outside a run
   * (e.g. `status`).
   */
  elapsedMs: number | null;
  /** Batches by how far they got. */
  batches: {
    /** In the plan. */
    total: number;
    /** Created (or adopted). */
    created: number;
    /** Ended. */
    ended: number;
    /** Ended and downloaded. */
    downloaded: number;
  };
  /** Requests by how far they got. The API counts a batch's requests only once it has ended. */
  requests: {
    /** In the plan. */
    total: number;
    /** In ended batches. */
    ended: number;
    /** Results `succeeded` so far. */
    succeeded: number;
    /** Results `errored`, `canceled` or `expired` so far. */
    failed: number;
    /** Planned requests of downloaded batches with no result. */
    missing: number;
  };
  /** Requests of the current wave: in the plan, and in its ended batches. */
  waveRequests: { total: number; ended: number };
  /**
   * The current wave's `request_counts` as the API reported them at the last poll, summed over
   * its created batches. The API documents that every count but `processing` stays 0 until the
   * whole batch ends (reference fact 19; SDK `MessageBatchRequestCounts`), so while a batch
   * processes its requests show as `processing`; a server that counts earlier is shown as it is.
   */
  waveCounts: BatchRequestCounts;
  /**
   * Share of input tokens read from cache over the results downloaded so far:
   * `cache_read / (cache_read + cache_creation + input_tokens)`; `null` before a succeeded one.
   */
  hitRate: number | null;
  /**
   * Rough time left in the current wave, from the pace of its requests so far (`waveCounts`),
   * else of its batches (this machine's clock); `null` until one of its requests is done.
   */
  etaMs: number | null;
}

/** Something the user should know that does not stop the run. */
export type RunWarning =
  | {
      /**
       * The next wave starts more than the 1h TTL after the previous one was created: entries
       * its primers wrote may have expired (reference fact 16: "use the 1h TTL, because batches
       * usually take 5 minutes to 1 hour"), and up to `rewrites` requests write them again.
       */
      kind: "window";
      /** The wave about to start (or just started). */
      wave: number;
      /** Milliseconds from the previous wave's first `created_at` to this one's start. */
      gapMs: number;
      /** `"may"`: some entries may have expired; `"will"`: every primed entry has expired. */
      severity: "may" | "will";
      /** Primed groups whose requests are in this wave. */
      groups: number;
      /** Requests expected to write a primed prefix again (up to the concurrency per group). */
      rewrites: number;
      /** USD those writes cost over the reads the plan expects. */
      extraUsd: number;
    }
  | {
      /** A results file had lines left out: a `custom_id` not in the batch, or one repeated. */
      kind: "unexpected-results";
      /** The batch. */
      index: number;
      /** Lines left out. */
      lines: number;
    }
  | {
      /** Planned requests of a batch with no result line. */
      kind: "missing-results";
      /** The batch. */
      index: number;
      /** How many. */
      count: number;
    }
  | {
      /** The results of a batch are archived (29 days after creation) and cannot be downloaded. */
      kind: "archived";
      /** The batch. */
      index: number;
      /** Its id. */
      id: string;
    };

/** Fields every event has. */
interface EventBase {
  /** Where the run stands. */
  progress: RunProgress;
}

/**
 * A progress event of `submit()`, on `type`:
 * - `"start"`: the state is loaded (`resumed` when `run.json` existed);
 * - `"wave"`: a wave starts (its batches are about to be created or watched);
 * - `"created"`: a batch was created; `"adopted"`: a batch whose create answer was lost was found;
 * - `"recreating"`: a create whose outcome was unknown created nothing; it will be created again;
 * - `"identifying"`: lost creates match several batches still processing; waiting for them to end;
 * - `"retrying"`: a create failed with 429/529 or an unknown outcome and will be tried again;
 * - `"backoff"`: an idempotent call failed and will be tried again after `delayMs`;
 * - `"waiting"`: a call has had no answer for `elapsedMs` (repeated while it lasts);
 * - `"poll"`: a round of polls ended;
 * - `"ended"`: a batch ended; `"results"`: its results file is written;
 * - `"warning"`: see {@link RunWarning};
 * - `"interrupted"`: the signal aborted; `"done"`: nothing is left to do.
 */
export type RunEvent =
  | (EventBase & { type: "start"; resumed: boolean })
  | (EventBase & { type: "wave"; wave: number; batches: number; requests: number })
  | (EventBase & { type: "created"; index: number; wave: number; id: string; requests: number })
  | (EventBase & {
      type: "adopted";
      index: number;
      wave: number;
      id: string;
      /**
       * How it was identified: its results' `custom_id`s, its request count alone, `adopt`, or
       * the adoption tag a backend keeps on the batch (`BatchBackend.adoption`).
       */
      match: "results" | "counts" | "user" | "tag";
    })
  | (EventBase & { type: "recreating"; index: number; wave: number; reason: string })
  | (EventBase & {
      type: "identifying";
      /** Batches whose create answer was lost. */
      indexes: number[];
      /** Batches of their size created since, still processing: waited for, then matched. */
      candidates: string[];
    })
  | (EventBase & {
      type: "retrying";
      index: number;
      attempt: number;
      delayMs: number;
      reason: string;
    })
  | (EventBase & {
      type: "backoff";
      /** The call, e.g. `"polling batch 3 (msgbatch_…)"`. */
      doing: string;
      /** Retry number, from 1. */
      attempt: number;
      /** Retries allowed (`maxRetries`). */
      retries: number;
      delayMs: number;
      /** Status and message of the failure (redacted). */
      reason: string;
    })
  | (EventBase & {
      type: "waiting";
      /** The call waited on. */
      doing: string;
      /** Milliseconds since it was sent. */
      elapsedMs: number;
    })
  | (EventBase & { type: "poll" })
  | (EventBase & {
      type: "ended";
      index: number;
      wave: number;
      id: string;
      request_counts: BatchRequestCounts;
      /** Why the system ended it without running (all of) it (`BatchInfo.failure`). */
      failure?: string;
    })
  | (EventBase & {
      type: "results";
      index: number;
      wave: number;
      id: string;
      results: ResultsRecord;
    })
  | (EventBase & {
      type: "queue-wait";
      /** The batch waiting to be created (the next of its wave, in plan order). */
      index: number;
      wave: number;
      /** Its requests. */
      requests: number;
      /** Requests of the run's batches not yet seen to end (what `maxQueued` bounds). */
      queued: number;
      /** The limit, `maxQueued`. */
      maxQueued: number;
      /**
       * `"room"`: the batch does not fit under `maxQueued` until earlier batches end (said once
       * per batch); `"429"`: the API refused its create for its rate or processing-queue limit
       * (reference §5.6), and the run waits `delayMs` (its `retry-after`) before trying again.
       */
      reason: "room" | "429";
      /** Milliseconds to wait (`"429"`); `null` for `"room"` (until a batch ends). */
      delayMs: number | null;
    })
  | (EventBase & { type: "warning"; warning: RunWarning })
  | (EventBase & { type: "interrupted" })
  | (EventBase & {
      type: "done";
      /** `"canceled"` when the run was canceled, else `"ended"`. */
      status: "ended" | "canceled";
    });

/** The kinds of {@link RunEvent}. */
export type RunEventType = RunEvent["type"];

/** What `submit()` resolves with. */
export interface SubmitResult {
  /**
   * - `"ended"`: every batch ended and its results are downloaded;
   * - `"canceled"`: the run was canceled (`cancelRun()`); every batch created ended and is
   *   downloaded, and no other will be created;
   * - `"interrupted"`: `signal` aborted; run `submit()` again to resume.
   */
  status: "ended" | "canceled" | "interrupted";
  /** The state as saved in `run.json`. */
  state: RunState;
  /** Where the run stands. */
  progress: RunProgress;
  /** The results files written so far, relative to the plan folder, in batch order. */
  resultsFiles: string[];
}

/** Options of `cancelRun()`. */
export interface CancelOptions {
  /** The SDK client, as for `submit()`. */
  client?: Anthropic | object;
  /** The backend, as for `submit()`. @default the run's target's backend on `client` */
  backend?: BatchBackend;
  /** Aborts the calls. @default undefined */
  signal?: AbortSignal;
  /** As for `submit()`. @default 8 */
  maxRetries?: number;
  /** As for `submit()`. @default 120000 */
  timeout?: number;
}

/** What `cancelRun()` did. */
export interface CancelResult {
  /** Batches whose cancellation was requested (or already `canceling`), by index and id. */
  canceled: Array<{ index: number; id: string }>;
  /** Batches that had already ended. */
  ended: Array<{ index: number; id: string }>;
  /** Batches never created; they will not be. */
  notCreated: number[];
  /** Batches whose create outcome is unknown (a lost answer): check them with `submit`. */
  unknown: number[];
  /**
   * A `submit()` was running on the folder: the cancel was handed to it (it creates nothing more,
   * cancels what it created meanwhile, finds the creates in doubt, and records the cancel in
   * `run.json`); `state` is `run.json` as read, with `canceledAt`, not a state this call saved.
   */
  submitRunning: boolean;
  /** The state as saved (as read, when `submitRunning`). */
  state: RunState;
}

/** Options of `retryPlan()`. Every field is optional. */
export interface RetryOptions {
  /**
   * Options of the new plan. Defaults to the original plan's options (strategy, TTL, limits,
   * waves, concurrency), with the offline token counter.
   * @default the original plan's options
   */
  planOptions?: PlanOptions;
}

/** Why a request is in a retry plan, or needs fixing. */
export type RetryReason = "errored" | "expired" | "canceled" | "missing" | "not-submitted";

/** What `retryPlan()` found and built. */
export interface RetryResult {
  /** The new plan of the requests to retry; `null` when there is nothing to retry. */
  plan: Plan | null;
  /** Requests to retry, by reason. */
  retried: Record<RetryReason, number>;
  /** `errored` requests retried, by error type. */
  retriedErrors: Record<string, number>;
  /**
   * `errored` requests not retried because they need fixing first (`invalid_request_error`, and
   * every other type that a retry cannot cure), with the API's message.
   */
  toFix: Array<{ custom_id: string; errorType: string; message: string }>;
  /** Requests that succeeded. */
  succeeded: number;
}
