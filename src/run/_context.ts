/**
 * What the parts of a run share (internal): the plan, the client, the state, the signal, the
 * resolved options and the event sink.
 */
import type { ModelTable } from "../pricing/models.js";
import type { ApiCaller } from "./_call.js";
import { sleep } from "./_call.js";
import type { QueueState } from "./_queue.js";
import { type Current, progressOf } from "./_records.js";
import type { PlanMeta, PlanSource } from "./_source.js";
import type { StateStore } from "./_store.js";
import type { WindowCost } from "./_window.js";
import type { BatchBackend } from "./backend.js";
import { redactDeep } from "./redact.js";
import type { RunEvent } from "./types.js";

/** A `RunEvent` before `progress` is added. */
export type EventBody = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, "progress">
    : never
  : never;

export interface RunContext {
  /** The plan without its requests. */
  plan: PlanMeta;
  /** Where a batch's requests and `custom_id`s are read when needed (`_source.ts`). */
  source: PlanSource;
  planDir: string;
  /** The batch system: every create, poll, list, download and cancel goes through it. */
  backend: BatchBackend;
  /** Every API call goes through it: timeouts, retries of idempotent calls, waiting notices. */
  api: ApiCaller;
  /** The client's key and token, for {@link redactDeep} (never written anywhere). */
  secrets: string[];
  store: StateStore;
  signal: AbortSignal | undefined;
  concurrency: number;
  poll: { intervalMs: number; maxIntervalMs: number; factor: number };
  /**
   * Simulated ms per real ms of the server's clock: 1 for the API; a local emulator's scale, as
   * its answers announce it (`_clock.ts`), by which poll intervals are divided.
   */
  timeScale: number;
  createRetries: number;
  settleMs: number;
  ambiguous: "wait" | "stop";
  /** Open intents already announced as being identified. */
  announced: Set<number>;
  models: ModelTable | undefined;
  adopt: Map<number, string>;
  recreate: boolean | ReadonlySet<number>;
  /** The wave being worked on and when it started on this machine. */
  current: Current;
  onProgress: ((event: RunEvent) => void) | undefined;
  /** The processing queue: its limit and the wait a 429 asked for (`_queue.ts`). */
  queue: QueueState;
  /** Windows already warned about, by wave: the severity given. */
  warned: Map<number, "may" | "will">;
  /** The cost of a missed window, by wave, once computed (`_window.ts`). */
  windowCosts: Map<number, WindowCost>;
}

/**
 * Sends an event with the run's progress, its text redacted (an event may quote a server's
 * message). A listener that throws does not stop the run.
 */
export function emit(ctx: RunContext, body: EventBody): void {
  if (!ctx.onProgress) return;
  try {
    const event = { ...body, progress: progressOf(ctx.store.state, ctx.current) } as RunEvent;
    ctx.onProgress(redactDeep(event, ctx.secrets));
  } catch {
    // A progress display must not break the run.
  }
}

/** True once the run's signal has aborted. */
export function aborted(ctx: RunContext): boolean {
  return ctx.signal?.aborted === true;
}

/** Waits `ms`, or less when the signal aborts (never throws). */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sleep(ms, signal);
}
