/**
 * The emulator's batch engine (internal): batches created over HTTP run on one shared
 * {@link CacheState} in virtual time, with the processing rules of `simulate()`
 * (`_batch-model.ts`): a start delay, a queue roughly in submission order, bounded concurrency,
 * slot jitter, prefill and generation times, expiry and cancellation.
 *
 * Unlike `runWave()`, which runs one wave to its end, the engine is incremental: events are kept
 * in one queue for every batch and handled up to "now" whenever the HTTP layer asks
 * ({@link EmulatorEngine.advanceTo}), so batches created at different times, synchronous Messages
 * calls and cancellations interleave in virtual-time order. For one batch created alone, the
 * random draws come in the same order as in `simulate()`, so both give the same usage.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { ModelTable } from "../pricing/models.js";
import { ContextInterner, segmentRequest } from "../request/segments.js";
import { seededRandom } from "../sample.js";
import type { TokenCounter } from "../tokens/counter.js";
import type { BatchRequest } from "../types.js";
import { type IdKind, IdSource, withEmulatedText } from "./_emulator-api.js";
import { paramsRejection } from "./_emulator-validate.js";
import { MinHeap } from "./_heap.js";
import { CacheState, type PreparedRequest } from "./cache.js";
import { outputTokensFor, type ResolvedSimParams } from "./params.js";
import { FAULT_MESSAGES, simError, simMessage } from "./results.js";
import { prepareTokens, type TokensOf } from "./tokens.js";

type MessageBatch = Anthropic.Messages.Batches.MessageBatch;
type IndividualResponse = Anthropic.Messages.Batches.MessageBatchIndividualResponse;
type Fault = "api_error" | "overloaded_error" | null;

/** Results of a batch stay downloadable for 29 days after `created_at` (reference §5.2). */
export const RESULTS_RETENTION_MS = 29 * 24 * 60 * 60_000;

/**
 * How long a canceled batch stays `canceling` when nothing is in flight, in simulated ms. The API
 * answers a cancel with the batch `canceling` (SDK-B 100-124: "the batch enters the `canceling`
 * state") and ends it later; the delay itself is not documented. Decision: one simulated second.
 */
export const CANCEL_SETTLE_MS = 1000;

/** One batch as the engine runs it. */
export interface BatchRun {
  id: string;
  /** Creation order, for listing and cursors. */
  seq: number;
  workspace: string;
  /** Number of requests (kept when a deleted batch lets go of its requests). */
  size: number;
  requests: readonly BatchRequest[];
  tokensOf: TokensOf;
  /** Per request (submission order): the injected `errored` fault (`errorRate`), if any. */
  faults: Fault[];
  /** Per request (submission order): why it is refused without being run, e.g. its size. */
  refused: ReadonlyMap<number, string>;
  /** Per request (submission order): its result once it ran or was skipped. */
  results: (IndividualResponse | undefined)[];
  /** Submission indexes in the order their results were decided (the results file order). */
  done: number[];
  createdAt: number;
  /** Wall-clock ms of `createdAt`: the anchor of every timestamp of the batch. */
  wallCreatedAt: number;
  startedAt: number;
  expiresAt: number;
  /** Submission indexes in processing order. */
  queue: number[];
  next: number;
  /** Requests not started by `cutoff` are skipped with `cutoffOutcome`. */
  cutoff: number;
  cutoffOutcome: "expired" | "canceled";
  cancelInitiatedAt: number | null;
  lastEnd: number;
  drained: boolean;
  deleted: boolean;
}

const BATCH_START = 0;
const SLOT_READY = 1;
const REQUEST_END = 2;
/** The batch's expiry or cancellation: requests not started by then are skipped. */
const CUTOFF = 3;

interface Event {
  time: number;
  seq: number;
  kind: typeof BATCH_START | typeof SLOT_READY | typeof REQUEST_END | typeof CUTOFF;
  run: BatchRun;
}

/** The outcome of a synchronous Messages call. */
export type MessageOutcome =
  | { ok: true; message: Anthropic.Messages.Message }
  | { ok: false; message: string };

export class EmulatorEngine {
  readonly cache: CacheState;
  readonly #p: ResolvedSimParams;
  readonly #counter: TokenCounter;
  readonly #wallNow: () => number;
  readonly #ids: IdSource;
  // Same streams as `simulate()` (simulate.ts `streams()`), so one batch alone draws the same.
  readonly #timing: () => number;
  readonly #faultDraws: () => number;
  readonly #heap = new MinHeap<Event>(
    (a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq),
  );
  #eventSeq = 0;
  readonly #byId = new Map<string, BatchRun>();
  /** Every batch ever created, in creation order (deleted ones stay, for cursors). */
  readonly #all: BatchRun[] = [];
  readonly #interner = new ContextInterner();
  #now = 0;

  /**
   * `wallNow` is the wall clock timestamps are anchored to (issue 12 item 8): a batch's
   * `created_at` is the wall-clock time it was created, so a client can compare it with its own
   * clock; its other times add the simulated durations since then.
   */
  constructor(params: ResolvedSimParams, counter: TokenCounter, wallNow: () => number) {
    this.#p = params;
    this.#counter = counter;
    this.#wallNow = wallNow;
    this.#ids = new IdSource(params.seed);
    this.#timing = seededRandom(params.seed ^ 0x7131_0001);
    this.#faultDraws = seededRandom(params.seed ^ 0x7131_0002);
    this.cache = new CacheState({
      models: params.models,
      syncToBatchVisibility: params.syncToBatchVisibility,
      seed: params.seed,
    });
  }

  /** A fresh API-shaped id. */
  id(kind: IdKind): string {
    return this.#ids.next(kind);
  }

  /** The model table requests are checked against (SDK `Model` ids plus `sim.models`). */
  get models(): ModelTable {
    return this.#p.models;
  }

  /** RFC 3339 time of a virtual instant of `run`: its wall-clock creation plus the simulated span. */
  #iso(run: BatchRun, time: number): string {
    return new Date(run.wallCreatedAt + (time - run.createdAt)).toISOString();
  }

  /** Token counts of the segments of `requests`, with the emulator's counter. */
  tokensFor(requests: readonly BatchRequest[]): Promise<TokensOf> {
    return prepareTokens({ batches: [{ wave: 0, requests }] }, this.#counter);
  }

  /** Handles every event due by `now` (virtual ms), in time order. */
  advanceTo(now: number): void {
    this.#now = Math.max(this.#now, now);
    for (let event = this.#heap.pop(); event !== undefined; event = this.#heap.pop()) {
      if (event.time > this.#now) {
        this.#heap.push(event); // same `seq`: its place in the queue is unchanged
        return;
      }
      this.#handle(event);
    }
  }

  #push(time: number, kind: Event["kind"], run: BatchRun): void {
    this.#heap.push({ time, seq: this.#eventSeq++, kind, run });
  }

  /**
   * Creates a batch at `now`; its processing starts after the start delay (`runWave()` rules).
   * `refused` maps submission indexes to the message of an `errored` result they get unrun.
   */
  createBatch(
    requests: readonly BatchRequest[],
    workspace: string,
    tokensOf: TokensOf,
    now: number,
    refused: ReadonlyMap<number, string> = new Map(),
  ): BatchRun {
    this.advanceTo(now);
    const p = this.#p;
    const faults = requests.map((): Fault => {
      if (p.errorRate > 0 && this.#faultDraws() < p.errorRate) {
        return this.#faultDraws() < 0.5 ? "api_error" : "overloaded_error";
      }
      return null;
    });
    const startedAt = now + p.startDelayMs + this.#timing() * p.startDelayJitterMs;
    const keyed = requests.map((_, i) => ({ i, key: i + this.#timing() * p.orderJitter }));
    keyed.sort((a, b) => a.key - b.key);
    const expiresAt = now + p.batchExpiryMs; // fact 19
    const run: BatchRun = {
      id: this.id("msgbatch"),
      seq: this.#all.length,
      workspace,
      size: requests.length,
      requests,
      tokensOf,
      faults,
      refused,
      results: new Array(requests.length).fill(undefined),
      done: [],
      createdAt: now,
      // Whole wall-clock ms plus the simulated clock's fraction, so that every timestamp of the
      // batch differs from `created_at` by the same whole ms as the simulated times do.
      wallCreatedAt: Math.floor(this.#wallNow()) + (now - Math.floor(now)),
      startedAt,
      expiresAt,
      queue: keyed.map((k) => k.i),
      next: 0,
      cutoff: expiresAt,
      cutoffOutcome: "expired",
      cancelInitiatedAt: null,
      lastEnd: Number.NEGATIVE_INFINITY,
      drained: false,
      deleted: false,
    };
    this.#all.push(run);
    this.#byId.set(run.id, run);
    this.#push(startedAt, BATCH_START, run);
    this.#push(expiresAt, CUTOFF, run);
    this.advanceTo(now);
    return run;
  }

  #handle(event: Event): void {
    const { run, time } = event;
    if (run.next >= run.queue.length) return;
    if (time >= run.cutoff) {
      this.#drain(run);
      return;
    }
    if (event.kind === BATCH_START) {
      // The first `concurrency` requests start together, each after a small jitter, so none of
      // them reads another's writes (fact 14; reference §10).
      const slots = Math.min(this.#p.concurrency, run.queue.length);
      for (let s = 0; s < slots; s++) {
        this.#push(time + this.#timing() * this.#p.startJitterMs, SLOT_READY, run);
      }
    } else if (event.kind === SLOT_READY) {
      const index = run.queue[run.next++]!;
      const end = this.#execute(run, index, time);
      run.lastEnd = Math.max(run.lastEnd, end);
      this.#push(end, REQUEST_END, run);
    } else if (event.kind === REQUEST_END) {
      this.#push(time + this.#timing() * this.#p.startJitterMs, SLOT_READY, run);
    }
  }

  #drain(run: BatchRun): void {
    for (; run.next < run.queue.length; run.next++) {
      const index = run.queue[run.next]!;
      this.#settle(run, index, { type: run.cutoffOutcome });
    }
    run.drained = true;
  }

  #settle(run: BatchRun, index: number, result: IndividualResponse["result"]): void {
    run.results[index] = { custom_id: run.requests[index]!.custom_id, result };
    run.done.push(index);
  }

  /** Runs request `index` of `run` at `start`; returns when its slot frees (simulate.ts rules). */
  #execute(run: BatchRun, index: number, start: number): number {
    const request = run.requests[index]!;
    const params = request.params as unknown as Record<string, unknown>;
    const fail = (
      type: "invalid_request_error" | "not_found_error" | Exclude<Fault, null>,
      message: string,
    ) => {
      // An errored request holds its slot briefly, touches no entry and is not billed (§5.4).
      this.#settle(run, index, simError(type, message, this.id("result")));
      return start + this.#p.requestOverheadMs;
    };
    const refused = run.refused.get(index);
    if (refused !== undefined) return fail("invalid_request_error", refused);
    // Validation is asynchronous in batches: a bad `params` is an `errored` result (fact 13).
    const rejected = paramsRejection(params, this.#p.models, "batch");
    if (rejected !== null) return fail(rejected.type, rejected.message);
    const prep = this.cache.prepare(request, run.tokensOf, {
      workspace: run.workspace,
      ttlOrderViolation: this.#p.ttlOrderViolation,
    });
    if (!prep.ok) return fail(prep.error.type, prep.error.message);
    const fault = run.faults[index] ?? null;
    if (fault !== null) return fail(fault, FAULT_MESSAGES[fault]);
    const { message, end } = this.#run(prep.request, params, start, "batch");
    this.#settle(run, index, {
      type: "succeeded",
      message: withEmulatedText(message, this.#p.seed, `${run.id}:${request.custom_id}`),
    });
    return end;
  }

  /**
   * One request through the cache, as simulate.ts `runRequest()` does it: the lookup at `start`;
   * the response starts after the overhead plus prefill of the uncached tokens, and only then are
   * its writes readable (fact 14); generation follows; TTLs run from `start` (fact 7).
   */
  #run(
    request: PreparedRequest,
    params: Record<string, unknown>,
    start: number,
    source: "batch" | "messages",
  ) {
    const p = this.#p;
    const lookup = this.cache.lookup(request, start, source);
    const { usage } = lookup;
    const uncached = usage.input_tokens + usage.cache_creation_input_tokens;
    const readable = start + p.requestOverheadMs + uncached * p.prefillMsPerToken;
    const output = request.maxTokens === 0 ? 0 : outputTokensFor(p.outputTokens, request.maxTokens);
    const end = readable + output * p.msPerOutputToken;
    // Fact 14: an entry is readable once the response that wrote it starts. The emulator hands a
    // synchronous call's response to its client at once, so its writes are readable from then:
    // the next call a client sends after receiving a response reads them (issue 12 item 1).
    this.cache.commit(lookup, source === "messages" ? start : readable);
    // Recorded responses say "not_available" unless the request asked for a region (item 3).
    const geo = typeof params.inference_geo === "string" ? params.inference_geo : "not_available";
    const message = simMessage(
      this.id("msg"),
      request.model,
      lookup,
      output,
      request.maxTokens,
      source === "batch" ? "batch" : "standard",
      geo,
    );
    return { message, end };
  }

  /**
   * A synchronous Messages call at `now` (`service_tier: "standard"`). A `max_tokens: 0` call
   * writes the cache and returns `content: []`, `stop_reason: "max_tokens"` (reference §4). Its
   * writes are visible to batches only with `syncToBatchVisibility` (fact 15).
   */
  message(
    params: Record<string, unknown>,
    workspace: string,
    tokensOf: TokensOf,
    now: number,
  ): MessageOutcome {
    this.advanceTo(now);
    const request = { custom_id: "message", params } as unknown as BatchRequest;
    const prep = this.cache.prepare(request, tokensOf, {
      workspace,
      ttlOrderViolation: this.#p.ttlOrderViolation,
    });
    if (!prep.ok) return { ok: false, message: prep.error.message };
    const { message } = this.#run(prep.request, params, now, "messages");
    return { ok: true, message: withEmulatedText(message, this.#p.seed, message.id) };
  }

  /**
   * `input_tokens` of a count_tokens call: the sum over the request's segments with the same
   * counts the cache model bills, so that `input_tokens + cache_creation_input_tokens +
   * cache_read_input_tokens` of a result equals it (reference fact 17, §6). Markers are ignored.
   */
  countTokens(params: Record<string, unknown>, tokensOf: TokensOf): number {
    const request = { custom_id: "count", params } as unknown as BatchRequest;
    const model = String(params.model);
    let total = 0;
    for (const segment of segmentRequest(request, this.#interner).segments) {
      total += tokensOf(segment, model);
    }
    return total;
  }

  /** The batch with `id` in `workspace`, unless deleted. */
  get(id: string, workspace: string): BatchRun | undefined {
    const run = this.#byId.get(id);
    return run && !run.deleted && run.workspace === workspace ? run : undefined;
  }

  /** When the batch ended or will end, once every request is decided; `null` before. */
  endedAt(run: BatchRun): number | null {
    if (run.next < run.queue.length) return null;
    if (run.drained) {
      // A canceled batch passes through `canceling` even with nothing in flight (item 7).
      const settle = run.cutoffOutcome === "canceled" ? CANCEL_SETTLE_MS : 0;
      return Math.max(run.cutoff + settle, run.lastEnd);
    }
    return Number.isFinite(run.lastEnd) ? run.lastEnd : run.startedAt;
  }

  isEnded(run: BatchRun): boolean {
    const ended = this.endedAt(run);
    return ended !== null && this.#now >= ended;
  }

  /**
   * Cancels at `now`: requests not started are `canceled`, requests in flight complete (reference
   * §5.1). The batch is `canceling` until they have, and at least {@link CANCEL_SETTLE_MS}.
   * Repeating a cancel is harmless: the batch is returned as it is, also once it has ended after
   * the cancel (a client whose first cancel response was lost retries it). `false` only for a batch
   * that ended without being canceled.
   */
  cancel(run: BatchRun, now: number): boolean {
    this.advanceTo(now);
    if (this.isEnded(run)) return run.cancelInitiatedAt !== null;
    if (run.cancelInitiatedAt !== null) return true;
    run.cancelInitiatedAt = now;
    if (now < run.cutoff) {
      run.cutoff = now;
      run.cutoffOutcome = "canceled";
      this.#push(now, CUTOFF, run);
    }
    this.advanceTo(now);
    return true;
  }

  /** Deletes an ended batch: it is gone from `get` and `list`, but still works as a cursor. */
  delete(run: BatchRun): void {
    run.deleted = true;
    this.#byId.delete(run.id);
    run.requests = [];
    run.results = [];
    run.done = [];
  }

  /** The batch as the API shows it (SDK-B 164-225; counts per §5.4). */
  view(run: BatchRun, baseUrl: string): MessageBatch {
    const ended = this.isEnded(run);
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    if (ended) {
      for (const r of run.results) if (r !== undefined) counts[r.result.type] += 1;
    } else {
      // Every count except `processing` stays 0 until the whole batch ends (fact 19, SDK-B 203).
      counts.processing = run.size;
    }
    const endedAt = ended ? this.endedAt(run) : null;
    const archived = this.isArchived(run);
    return {
      id: run.id,
      type: "message_batch",
      processing_status: ended
        ? "ended"
        : run.cancelInitiatedAt !== null
          ? "canceling"
          : "in_progress",
      request_counts: counts,
      created_at: this.#iso(run, run.createdAt),
      expires_at: this.#iso(run, run.expiresAt),
      ended_at: endedAt === null ? null : this.#iso(run, endedAt),
      cancel_initiated_at:
        run.cancelInitiatedAt === null ? null : this.#iso(run, run.cancelInitiatedAt),
      archived_at: archived ? this.#iso(run, run.createdAt + RESULTS_RETENTION_MS) : null,
      // SDK-B 211-218: null until processing ends; archived results cannot be downloaded (§5.2).
      results_url: ended && !archived ? `${baseUrl}/v1/messages/batches/${run.id}/results` : null,
    };
  }

  /** Whether the results of an ended batch are past the 29-day retention. */
  isArchived(run: BatchRun): boolean {
    return this.#now >= run.createdAt + RESULTS_RETENTION_MS;
  }

  /** The results file, one JSON line per request, in the order results were decided. */
  *resultLines(run: BatchRun): Generator<string> {
    for (const index of run.done) yield `${JSON.stringify(run.results[index])}\n`;
  }

  /** The cursor batch of a list call, deleted or not; `undefined` when no batch had that id. */
  cursor(id: string): BatchRun | undefined {
    return this.#all.find((run) => run.id === id);
  }

  /**
   * One page of the workspace's batches, newest first, as the SDK's `Page` reads it
   * (core/pagination.js): `after_id` pages towards older batches, `before_id` towards newer.
   */
  list(
    workspace: string,
    limit: number,
    cursor: { afterSeq?: number; beforeSeq?: number },
  ): { runs: BatchRun[]; hasMore: boolean } {
    const live = this.#all.filter((r) => !r.deleted && r.workspace === workspace);
    const newestFirst = live.reverse();
    if (cursor.beforeSeq !== undefined) {
      const newer = newestFirst.filter((r) => r.seq > cursor.beforeSeq!);
      // The `limit` batches immediately newer than the cursor, still newest first.
      const runs = newer.slice(Math.max(0, newer.length - limit));
      return { runs, hasMore: newer.length > limit };
    }
    const older =
      cursor.afterSeq === undefined
        ? newestFirst
        : newestFirst.filter((r) => r.seq < cursor.afterSeq!);
    return { runs: older.slice(0, limit), hasMore: older.length > limit };
  }

  /**
   * Requests of unfinished batches still waiting or running: what the API's "batch requests in
   * processing queue" limit counts (reference §5.6: "across all active batches").
   */
  queuedRequests(now: number): number {
    this.advanceTo(now);
    let n = 0;
    for (const run of this.#all) {
      if (run.deleted || this.isEnded(run)) continue;
      n += run.size - run.done.length;
    }
    return n;
  }

  /** Requests submitted in batches so far. */
  get batchRequests(): number {
    let n = 0;
    for (const run of this.#all) n += run.size;
    return n;
  }

  get batchesCreated(): number {
    return this.#all.length;
  }

  get batchesDeleted(): number {
    return this.#all.filter((r) => r.deleted).length;
  }
}
