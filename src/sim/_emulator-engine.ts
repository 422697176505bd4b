/**
 * The emulator's batch engine (internal): batches created over HTTP run on one shared
 * {@link CacheState} in the processing loop of `simulate()` ({@link BatchProcessor}), which the
 * engine advances to "now" whenever the HTTP layer asks ({@link EmulatorEngine.advanceTo}), so
 * batches created at different times, synchronous Messages calls and cancellations interleave in
 * virtual-time order. It draws from the same streams as `simulate()`, so one batch created alone
 * gets the same usage in both.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { ModelTable } from "../pricing/models.js";
import { ContextInterner, segmentRequest } from "../request/segments.js";
import { RESULTS_RETENTION_MS } from "../targets/anthropic/limits.js";
import type { TokenCounter } from "../tokens/counter.js";
import type { BatchRequest } from "../types.js";
import { drawFault, type Fault, simStreams } from "./_draws.js";
import { type IdKind, IdSource, withEmulatedText } from "./_emulator-api.js";
import {
  type BatchRun,
  CANCEL_SETTLE_MS,
  type IndividualResponse,
  viewBatch,
} from "./_emulator-batch.js";
import { BatchRegistry } from "./_emulator-registry.js";
import { paramsRejection } from "./_emulator-validate.js";
import { BatchProcessor } from "./_processor.js";
import { runRequest } from "./_request-run.js";
import { CacheState } from "./cache.js";
import type { ResolvedSimParams } from "./params.js";
import { FAULT_MESSAGES, simError } from "./results.js";
import { prepareTokens, type TokensOf } from "./tokens.js";

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
  readonly #faultDraws: () => number;
  readonly #processor: BatchProcessor<BatchRun>;
  /** Every batch created, by id and in creation order. */
  readonly batches = new BatchRegistry();
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
    const random = simStreams(params.seed);
    this.#faultDraws = random.faults;
    this.#processor = new BatchProcessor<BatchRun>(params, random.timing, {
      execute: (run, index, start) => this.#execute(run, index, start),
      skip: (run, index, outcome) => this.#settle(run, index, { type: outcome }),
    });
    this.cache = new CacheState({
      models: params.models,
      syncToBatchVisibility: params.syncToBatchVisibility,
      batchReadRate: params.batchReadRate,
      visibilityDelayMs: params.visibilityDelayMs,
      ttlMs: params.ttlMs,
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

  /** Token counts of the segments of `requests`, with the emulator's counter. */
  tokensFor(requests: readonly BatchRequest[]): Promise<TokensOf> {
    return prepareTokens({ batches: [{ wave: 0, requests }] }, this.#counter);
  }

  /** Handles every event due by `now` (virtual ms), in time order. */
  advanceTo(now: number): void {
    this.#now = Math.max(this.#now, now);
    this.#processor.advanceTo(this.#now);
  }

  /**
   * Creates a batch at `now`; its processing starts after the start delay.
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
    const faults = requests.map((): Fault => drawFault(this.#faultDraws, this.#p.errorRate));
    const run: BatchRun = {
      ...this.#processor.open(now, requests.length),
      id: this.id("msgbatch"),
      seq: this.batches.nextSeq,
      workspace,
      size: requests.length,
      requests,
      tokensOf,
      faults,
      refused,
      results: new Array(requests.length).fill(undefined),
      done: [],
      // Whole wall-clock ms plus the simulated clock's fraction, so that every timestamp of the
      // batch differs from `created_at` by the same whole ms as the simulated times do.
      wallCreatedAt: Math.floor(this.#wallNow()) + (now - Math.floor(now)),
      cancelInitiatedAt: null,
      deleted: false,
    };
    this.batches.add(run);
    this.#processor.start(run);
    this.advanceTo(now);
    return run;
  }

  #settle(run: BatchRun, index: number, result: IndividualResponse["result"]): void {
    run.results[index] = { custom_id: run.requests[index]!.custom_id, result };
    run.done.push(index);
  }

  /** Runs request `index` of `run` at `start`; returns when its slot frees. */
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
    const { message, timing } = runRequest(
      this.cache,
      prep.request,
      params,
      start,
      this.#p,
      "batch",
      this.id("msg"),
    );
    this.#settle(run, index, {
      type: "succeeded",
      message: withEmulatedText(message, this.#p.seed, `${run.id}:${request.custom_id}`),
    });
    return timing.end;
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
    const id = this.id("msg");
    const { message } = runRequest(this.cache, prep.request, params, now, this.#p, "messages", id);
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

  /** When the batch ended or will end, once every request is decided; `null` before. */
  endedAt(run: BatchRun): number | null {
    // A canceled batch passes through `canceling` even with nothing in flight (item 7).
    return BatchProcessor.endedAt(run, CANCEL_SETTLE_MS);
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
    this.#processor.cancel(run, now);
    this.advanceTo(now);
    return true;
  }

  /** The batch as the API shows it now. */
  view(run: BatchRun, baseUrl: string): Anthropic.Messages.Batches.MessageBatch {
    const endedAt = this.isEnded(run) ? this.endedAt(run) : null;
    return viewBatch(run, { endedAt, archived: this.isArchived(run) }, baseUrl);
  }

  /** Whether the results of an ended batch are past the 29-day retention. */
  isArchived(run: BatchRun): boolean {
    return this.#now >= run.createdAt + RESULTS_RETENTION_MS;
  }

  /**
   * Requests of unfinished batches still waiting or running: what the API's "batch requests in
   * processing queue" limit counts (reference §5.6: "across all active batches").
   */
  queuedRequests(now: number): number {
    this.advanceTo(now);
    let n = 0;
    for (const run of this.batches.live()) {
      if (!this.isEnded(run)) n += run.size - run.done.length;
    }
    return n;
  }
}
