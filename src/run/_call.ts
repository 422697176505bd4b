/**
 * Calling the API (internal): every call of the runner goes through an {@link ApiCaller}, which
 * - gives each HTTP attempt its own abort signal, linked to the run's by one listener that is
 *   removed when the attempt settles: the SDK adds a listener per request to the signal it is
 *   given, and the run's one long-lived signal shared by a wave's polls, downloads and pauses
 *   passed 10 of them (`MaxListenersExceededWarning`);
 * - applies the run's `timeout` to each attempt (the SDK's default is 10 minutes);
 * - says, every `noticeMs`, that the run is waiting and on what (a hung server is otherwise
 *   silent);
 * - retries idempotent calls (retrieve, list, results, cancel: the reference lists `retrieve` as
 *   "idempotent and can be used to poll", §6) on no answer, 408, 409, 429 and 5xx, honouring
 *   `retry-after-ms` / `retry-after`, else with exponential backoff and jitter; the SDK's own
 *   retries are turned off (`maxRetries: 0`) so that they do not multiply.
 * A create is never retried here: `sendOnce()` sends it once and the runner decides (`_create.ts`).
 */
import { setMaxListeners } from "node:events";
import { apiFailure } from "./_api-errors.js";
import type { EventBody } from "./_context.js";
import { RunStopped } from "./_stopped.js";

/** How calls are timed and retried. */
export interface CallPolicy {
  /** Retries of an idempotent call after its first attempt. */
  maxRetries: number;
  /** Milliseconds an attempt of an idempotent call may take. */
  timeoutMs: number;
  /** Milliseconds a create may take (its body can be 256 MB). */
  createTimeoutMs: number;
  /** Backoff without `retry-after`: `initialMs`, doubling, up to `maxMs`, then jittered. */
  backoff: { initialMs: number; maxMs: number };
  /** Uniform draws in [0, 1) for the jitter. */
  random: () => number;
  /** How often to say that a call is still waiting. */
  noticeMs: number;
}

/** What the caller reports while it works: the run's `waiting` and `backoff` events. */
export type CallEvent = Extract<EventBody, { type: "waiting" | "backoff" }>;

/** Request options of one attempt, for the SDK. */
export interface AttemptOptions {
  signal: AbortSignal;
  timeout: number;
  maxRetries: 0;
}

/** Longest `retry-after` honoured, so a wrong header cannot stall a run for hours. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Whether a failed idempotent call is worth another attempt. */
export function retryable(error: unknown): boolean {
  const f = apiFailure(error);
  if (f.aborted) return false;
  const s = f.status;
  return s === undefined || s === 408 || s === 409 || s === 429 || s >= 500;
}

/**
 * A signal that follows `parent` (aborted when it aborts) through one listener, removed by
 * `dispose()`. Its own listener limit is `maxListeners` (listeners on it are the run's, bounded).
 */
export function linkedSignal(
  parent: AbortSignal | undefined,
  maxListeners = 10,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  setMaxListeners(maxListeners, controller.signal);
  if (!parent) return { signal: controller.signal, dispose: () => {} };
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener("abort", onAbort, { once: true });
  return { signal: controller.signal, dispose: () => parent.removeEventListener("abort", onAbort) };
}

export class ApiCaller {
  readonly policy: CallPolicy;
  readonly signal: AbortSignal | undefined;
  readonly #emit: (event: CallEvent) => void;

  constructor(
    policy: CallPolicy,
    signal: AbortSignal | undefined,
    emit: (event: CallEvent) => void,
  ) {
    this.policy = policy;
    this.signal = signal;
    this.#emit = emit;
  }

  /** The delay before retry `attempt` (1-based) after `error`. */
  delayMs(attempt: number, error: unknown): number {
    const asked = apiFailure(error).retryAfterMs;
    if (asked !== null) return Math.min(Math.max(0, asked), MAX_RETRY_AFTER_MS);
    const { initialMs, maxMs } = this.policy.backoff;
    const full = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
    return Math.round(full / 2 + (this.policy.random() * full) / 2);
  }

  /** One attempt: its own signal (linked to the run's unless `detached`), the notice timer. */
  async #attempt<T>(
    doing: string,
    fn: (options: AttemptOptions) => Promise<T>,
    timeout: number,
    detached: boolean,
  ): Promise<T> {
    const linked = linkedSignal(detached ? undefined : this.signal);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      this.#emit({ type: "waiting", doing, elapsedMs: Date.now() - started });
      timer = setTimeout(tick, this.policy.noticeMs).unref();
    };
    timer = setTimeout(tick, this.policy.noticeMs).unref();
    try {
      return await fn({ signal: linked.signal, timeout, maxRetries: 0 });
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
  }

  /**
   * An idempotent call (`doing` names it for the notices, e.g. "retrieving batch 3
   * (msgbatch_…)"), retried up to `maxRetries` times. Throws the last failure, or a
   * {@link RunStopped} once the run's signal has aborted (a stop is no failure to retry or report).
   */
  async idempotent<T>(doing: string, fn: (options: AttemptOptions) => Promise<T>): Promise<T> {
    const { maxRetries, timeoutMs } = this.policy;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(doing, fn, timeoutMs, false);
      } catch (error) {
        if (this.signal?.aborted) throw new RunStopped(doing, error);
        if (attempt > maxRetries || !retryable(error)) throw error;
        const delayMs = this.delayMs(attempt, error);
        const f = apiFailure(error);
        this.#emit({
          type: "backoff",
          doing,
          attempt,
          retries: maxRetries,
          delayMs,
          reason: `${f.status ?? "no answer"}${f.type ? ` ${f.type}` : ""}: ${f.message}`,
        });
        await sleep(delayMs, this.signal);
        if (this.signal?.aborted) throw new RunStopped(doing, error);
      }
    }
  }

  /** A call sent once, never retried (a create). Not aborted by the run's signal. */
  sendOnce<T>(doing: string, fn: (options: AttemptOptions) => Promise<T>): Promise<T> {
    return this.#attempt(doing, fn, this.policy.createTimeoutMs, true);
  }
}

/** Waits `ms`, or less when `signal` aborts; never throws. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
