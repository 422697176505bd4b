/**
 * How the Batches API processes batches, in virtual time (internal): the one event loop that both
 * `simulate()` (which runs each wave to its end) and the emulator (which advances it with its
 * clock) drive. Each batch starts after a start delay, then runs its requests roughly in
 * submission order with bounded concurrency; requests not started by the batch's expiry or its
 * cancellation come back `expired` or `canceled`. What a request does when it runs is the
 * caller's {@link BatchHandler.execute}.
 */
import { MinHeap } from "./_heap.js";

/** Parameters of the processing model (see `SimParams` for their meaning and defaults). */
export interface ProcessingParams {
  concurrency: number;
  orderJitter: number;
  startDelayMs: number;
  startDelayJitterMs: number;
  startJitterMs: number;
  batchExpiryMs: number;
}

/** Where one batch is in its processing: the loop's own fields of a batch. */
export interface Processing {
  createdAt: number;
  startedAt: number;
  expiresAt: number;
  /** Submission indexes in processing order. */
  queue: number[];
  /** How many of `queue` have started or been skipped. */
  next: number;
  /** Requests not started by `cutoff` are skipped with `cutoffOutcome`. */
  cutoff: number;
  cutoffOutcome: "expired" | "canceled";
  /** When its last request to start ends; `-Infinity` before any has run. */
  lastEnd: number;
  /** Whether requests were skipped at the cutoff. */
  drained: boolean;
}

/** What the caller does with the requests of its batches `B`. */
export interface BatchHandler<B extends Processing> {
  /** Runs request `index` (submission order) of `batch` at `start`; returns when its slot frees. */
  execute(batch: B, index: number, start: number): number;
  /** Request `index` of `batch` never started: the batch expired or was canceled first. */
  skip(batch: B, index: number, outcome: "expired" | "canceled"): void;
}

/** The batch starts: its first slots open. */
const BATCH_START = 0;
/** A slot is free: it starts the next request in the queue. */
const SLOT_READY = 1;
/** A request ends: its slot is free again after a jitter. */
const REQUEST_END = 2;
/** The batch's expiry or cancellation: requests not started by then are skipped. */
const CUTOFF = 3;

interface Event<B> {
  time: number;
  seq: number;
  kind: typeof BATCH_START | typeof SLOT_READY | typeof REQUEST_END | typeof CUTOFF;
  batch: B;
}

/**
 * The event loop. Events are handled in time order (ties in the order they were scheduled), so
 * every cache lookup sees exactly the writes of requests that started before it. Random draws come
 * from `random` in a fixed order (a batch's start delay and queue keys when it is opened, then
 * slot jitter in event order), so the same calls give the same timings.
 */
export class BatchProcessor<B extends Processing> {
  readonly #params: ProcessingParams;
  readonly #random: () => number;
  readonly #handler: BatchHandler<B>;
  readonly #heap = new MinHeap<Event<B>>(
    (a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq),
  );
  #seq = 0;

  constructor(params: ProcessingParams, random: () => number, handler: BatchHandler<B>) {
    this.#params = params;
    this.#random = random;
    this.#handler = handler;
  }

  /**
   * The processing of a batch of `size` requests created at `createdAt`, canceled at `cancelAt`
   * if that comes first: draws its start delay and its queue order. Schedule it with
   * {@link BatchProcessor.start} once the caller's batch holds it.
   */
  open(createdAt: number, size: number, cancelAt = Number.POSITIVE_INFINITY): Processing {
    const p = this.#params;
    const startedAt = createdAt + p.startDelayMs + this.#random() * p.startDelayJitterMs;
    // Fact 19: a batch expires if not done within 24 hours of its creation.
    const expiresAt = createdAt + p.batchExpiryMs;
    // "Roughly in submission order": each request's place is its index plus a uniform draw in
    // [0, orderJitter); the sort is stable, so ties keep submission order.
    const keyed = Array.from({ length: size }, (_, i) => ({
      i,
      key: i + this.#random() * p.orderJitter,
    }));
    keyed.sort((a, b) => a.key - b.key);
    return {
      createdAt,
      startedAt,
      expiresAt,
      queue: keyed.map((k) => k.i),
      next: 0,
      cutoff: Math.min(expiresAt, cancelAt),
      cutoffOutcome: cancelAt <= expiresAt ? "canceled" : "expired",
      lastEnd: Number.NEGATIVE_INFINITY,
      drained: false,
    };
  }

  /** Schedules an opened batch: its start, and its cutoff. */
  start(batch: B): void {
    this.#push(batch.startedAt, BATCH_START, batch);
    this.#push(batch.cutoff, CUTOFF, batch);
  }

  /** Cancels `batch` at `time`: requests not started by then are `canceled` (reference §5.1). */
  cancel(batch: B, time: number): void {
    if (time >= batch.cutoff) return;
    batch.cutoff = time;
    batch.cutoffOutcome = "canceled";
    this.#push(time, CUTOFF, batch);
  }

  /** Handles every event due by `now` (virtual ms), in time order. */
  advanceTo(now: number): void {
    for (let event = this.#heap.pop(); event !== undefined; event = this.#heap.pop()) {
      if (event.time > now) {
        this.#heap.push(event); // same `seq`: its place in the queue is unchanged
        return;
      }
      this.#handle(event);
    }
  }

  /** Handles every event: runs every batch opened so far to its end. */
  runToEnd(): void {
    this.advanceTo(Number.POSITIVE_INFINITY);
  }

  /**
   * When `batch` ended or will end, once every request is decided; `null` before. A canceled
   * batch ends `cancelSettleMs` after its cancellation at the earliest.
   */
  static endedAt(batch: Processing, cancelSettleMs = 0): number | null {
    if (batch.next < batch.queue.length) return null;
    if (batch.drained) {
      const settle = batch.cutoffOutcome === "canceled" ? cancelSettleMs : 0;
      return Math.max(batch.cutoff + settle, batch.lastEnd);
    }
    return Number.isFinite(batch.lastEnd) ? batch.lastEnd : batch.startedAt;
  }

  #push(time: number, kind: Event<B>["kind"], batch: B): void {
    this.#heap.push({ time, seq: this.#seq++, kind, batch });
  }

  #handle(event: Event<B>): void {
    const { batch, time } = event;
    if (batch.next >= batch.queue.length) return;
    if (time >= batch.cutoff) {
      this.#drain(batch);
      return;
    }
    const jitter = () => time + this.#random() * this.#params.startJitterMs;
    if (event.kind === BATCH_START) {
      // The first `concurrency` requests start together, each after a small jitter, so none of
      // them can read another's writes (fact 14; reference §10: cold batches of 10-48 read 0%).
      const slots = Math.min(this.#params.concurrency, batch.queue.length);
      for (let s = 0; s < slots; s++) this.#push(jitter(), SLOT_READY, batch);
    } else if (event.kind === SLOT_READY) {
      const index = batch.queue[batch.next++]!;
      const end = this.#handler.execute(batch, index, time);
      batch.lastEnd = Math.max(batch.lastEnd, end);
      this.#push(end, REQUEST_END, batch);
    } else if (event.kind === REQUEST_END) {
      this.#push(jitter(), SLOT_READY, batch);
    }
  }

  /** Not started by the expiry or the cancellation: every remaining request is skipped. */
  #drain(batch: B): void {
    for (; batch.next < batch.queue.length; batch.next++) {
      this.#handler.skip(batch, batch.queue[batch.next]!, batch.cutoffOutcome);
    }
    batch.drained = true;
  }
}
