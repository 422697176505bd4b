/**
 * How the Batches API processes one wave of batches, in virtual time (internal): each batch starts
 * after a start delay, then runs its requests roughly in submission order with bounded
 * concurrency; requests not started by the batch's expiry or the job's cancellation come back
 * `expired` or `canceled`. What a request does when it runs is the caller's `execute`.
 */
import { MinHeap } from "./_heap.js";

/** Parameters of the processing model (see `SimParams` for their meaning and defaults). */
export interface BatchModelParams {
  concurrency: number;
  orderJitter: number;
  startDelayMs: number;
  startDelayJitterMs: number;
  startJitterMs: number;
  batchExpiryMs: number;
  cancelAt: number | undefined;
}

/** One batch to run: the job-order indexes of its requests, in submission order. */
export interface WaveBatch {
  index: number;
  requests: readonly number[];
}

/** How a batch went. */
export interface BatchTiming {
  index: number;
  createdAt: number;
  startedAt: number;
  endedAt: number;
  expiresAt: number;
  cancelInitiatedAt: number | null;
}

/** What the caller does with requests. */
export interface WaveCallbacks {
  /** Runs request `index` starting at `start`; returns when it ends (its slot frees). */
  execute(index: number, start: number): number;
  /** Request `index` never started: its batch expired or the job was canceled first. */
  skip(index: number, outcome: "expired" | "canceled"): void;
}

interface Run {
  batch: WaveBatch;
  queue: number[];
  next: number;
  startedAt: number;
  expiresAt: number;
  cutoff: number;
  cutoffOutcome: "expired" | "canceled";
  lastEnd: number;
  drained: boolean;
}

/** The batch starts: its first slots open. */
const BATCH_START = 0;
/** A slot is free: it starts the next request in the queue. */
const SLOT_READY = 1;
/** A request ends: its slot is free again after a jitter. */
const REQUEST_END = 2;

interface Event {
  time: number;
  seq: number;
  kind: typeof BATCH_START | typeof SLOT_READY | typeof REQUEST_END;
  run: Run;
}

/**
 * Runs the batches of one wave, all created at `createdAt`, until every one has ended. Events are
 * handled in time order (ties in creation order), so every cache lookup sees exactly the writes
 * of requests that started before it. Random draws come from `random` in a fixed order (batch
 * start delays and queue keys in batch order, then slot jitter in event order), so the same
 * inputs give the same timings.
 */
export function runWave(
  batches: readonly WaveBatch[],
  createdAt: number,
  params: BatchModelParams,
  random: () => number,
  callbacks: WaveCallbacks,
): BatchTiming[] {
  let seq = 0;
  const heap = new MinHeap<Event>(
    (a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq),
  );
  const push = (time: number, kind: Event["kind"], run: Run) =>
    heap.push({ time, seq: seq++, kind, run });
  const cancelAt = params.cancelAt ?? Number.POSITIVE_INFINITY;
  const runs = batches.map((batch): Run => {
    const startedAt = createdAt + params.startDelayMs + random() * params.startDelayJitterMs;
    // Fact 19: a batch expires if not done within 24 hours of its creation.
    const expiresAt = createdAt + params.batchExpiryMs;
    // "Roughly in submission order": each request's place is its index plus a uniform draw in
    // [0, orderJitter); the sort is stable, so ties keep submission order.
    const keyed = batch.requests.map((index, i) => ({
      index,
      key: i + random() * params.orderJitter,
    }));
    keyed.sort((a, b) => a.key - b.key);
    return {
      batch,
      queue: keyed.map((k) => k.index),
      next: 0,
      startedAt,
      expiresAt,
      cutoff: Math.min(expiresAt, cancelAt),
      cutoffOutcome: cancelAt <= expiresAt ? "canceled" : "expired",
      lastEnd: Number.NEGATIVE_INFINITY,
      drained: false,
    };
  });
  for (const run of runs) push(run.startedAt, BATCH_START, run);

  const drain = (run: Run) => {
    // Not started by the expiry or the cancellation: every remaining request is skipped.
    for (; run.next < run.queue.length; run.next++) {
      callbacks.skip(run.queue[run.next]!, run.cutoffOutcome);
    }
    run.drained = true;
  };

  for (let event = heap.pop(); event !== undefined; event = heap.pop()) {
    const { run, time } = event;
    if (run.next >= run.queue.length) continue;
    if (time >= run.cutoff) {
      drain(run);
      continue;
    }
    if (event.kind === BATCH_START) {
      // The first `concurrency` requests start together, each after a small jitter, so none of
      // them can read another's writes (fact 14; reference §10: cold batches of 10-48 read 0%).
      const slots = Math.min(params.concurrency, run.queue.length);
      for (let s = 0; s < slots; s++) push(time + random() * params.startJitterMs, SLOT_READY, run);
    } else if (event.kind === SLOT_READY) {
      const index = run.queue[run.next++]!;
      const end = callbacks.execute(index, time);
      run.lastEnd = Math.max(run.lastEnd, end);
      push(end, REQUEST_END, run);
    } else {
      push(time + random() * params.startJitterMs, SLOT_READY, run);
    }
  }

  return runs.map((run) => {
    const finished = Number.isFinite(run.lastEnd) ? run.lastEnd : run.startedAt;
    const endedAt = run.drained ? Math.max(run.cutoff, run.lastEnd) : finished;
    return {
      index: run.batch.index,
      createdAt,
      startedAt: run.startedAt,
      endedAt,
      expiresAt: run.expiresAt,
      cancelInitiatedAt: cancelAt >= createdAt && cancelAt <= endedAt ? cancelAt : null,
    };
  });
}
