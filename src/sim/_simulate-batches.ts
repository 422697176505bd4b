/**
 * `simulate()`'s batch requests (internal): each prepared once, with its fault drawn in job
 * order, then run by the processing loop ({@link BatchProcessor}) wave after wave.
 */
import { batchOnlyViolation } from "../targets/anthropic/batch-rules.js";
import type { BatchRequest } from "../types.js";
import { drawFault, type Fault, type SimStreams } from "./_draws.js";
import { type BatchHandler, BatchProcessor, type Processing } from "./_processor.js";
import { cacheTrace, runRequest } from "./_request-run.js";
import type { CacheState, Preparation } from "./cache.js";
import type { SimJob } from "./job.js";
import type { ResolvedSimParams } from "./params.js";
import { FAULT_MESSAGES, type SimRequestResult, type SimWaveResult, simError } from "./results.js";

/** One batch request of the job, and its result as it is decided. */
export interface Item {
  request: BatchRequest;
  prep: Preparation;
  fault: Fault;
  result: SimRequestResult;
}

/** The job's requests in job order, and per batch the indexes of its items. */
export interface JobItems {
  items: Item[];
  batchItems: number[][];
}

/** How a batch went. */
export interface BatchTiming {
  createdAt: number;
  startedAt: number;
  endedAt: number;
  expiresAt: number;
  cancelInitiatedAt: number | null;
}

/** What the waves did: per batch index its timing (when it was created), per wave its span. */
export interface WavesRun {
  timings: Map<number, BatchTiming>;
  waves: SimWaveResult[];
}

/** A batch of the job in the processing loop. */
interface JobBatch extends Processing {
  index: number;
  items: readonly number[];
}

/** Prepares every batch request once, drawing its fault in job order. */
export function prepareItems(
  job: SimJob,
  cache: CacheState,
  p: ResolvedSimParams,
  faults: () => number,
): JobItems {
  const prepare = (request: BatchRequest, workspace: string): Preparation => {
    // A request the Messages API would accept but a batch refuses is a 400 (fact 13).
    const rejected = batchOnlyViolation(request.params as unknown as Record<string, unknown>);
    if (rejected === undefined) {
      return cache.prepare(request, p.tokensOf, {
        ttlOrderViolation: p.ttlOrderViolation,
        workspace,
      });
    }
    const error = { type: "invalid_request_error" as const, message: rejected.apiMessage };
    return { ok: false, custom_id: request.custom_id, error };
  };
  const items: Item[] = [];
  const batchItems = job.batches.map((batch, batchIndex) => {
    const workspace = batch.workspace ?? p.workspace;
    return batch.requests.map((request) => {
      const fault = drawFault(faults, p.errorRate);
      items.push({
        request,
        prep: prepare(request, workspace),
        fault,
        result: {
          custom_id: request.custom_id,
          batchIndex,
          batchId: `msgbatch_sim_${batchIndex}`,
          wave: batch.wave,
          response: { custom_id: request.custom_id, result: { type: "canceled" } },
          timing: null,
          cache: null,
        },
      });
      return items.length - 1;
    });
  });
  return { items, batchItems };
}

/** What a request of the job does when the loop starts it, or skips it. */
function itemHandler(items: readonly Item[], cache: CacheState, p: ResolvedSimParams) {
  const handler: BatchHandler<JobBatch> = {
    execute(batch, position, start) {
      const index = batch.items[position]!;
      const { prep, result, fault } = items[index]!;
      const requestId = `req_sim_${index.toString(36)}`;
      const fail = (failure: ReturnType<typeof simError>) => {
        // An errored request holds its slot briefly, touches no entry and is not billed (§5.4).
        const end = start + p.requestOverheadMs;
        result.response = { custom_id: result.custom_id, result: failure };
        result.timing = { start, readable: end, end };
        return end;
      };
      if (!prep.ok) return fail(simError(prep.error.type, prep.error.message, requestId));
      if (fault !== null) return fail(simError(fault, FAULT_MESSAGES[fault], requestId));
      const params = items[index]!.request.params as unknown as Record<string, unknown>;
      const messageId = `msg_sim_${index.toString(36)}`;
      const run = runRequest(cache, prep.request, params, start, p, "batch", messageId);
      result.response = {
        custom_id: result.custom_id,
        result: { type: "succeeded", message: run.message },
      };
      result.timing = run.timing;
      result.cache = cacheTrace(run.lookup);
      return run.timing.end;
    },
    skip(batch, position, outcome) {
      const { result } = items[batch.items[position]!]!;
      result.response = { custom_id: result.custom_id, result: { type: outcome } };
    },
  };
  return handler;
}

/**
 * Runs the waves in ascending order from `firstWaveAt`: a wave's batches are created together,
 * and wave n+1 is created `submissionGapMs` after the last batch of wave n ends. A wave due after
 * `cancelAt` is never submitted.
 */
export function runWaves(
  job: SimJob,
  { items, batchItems }: JobItems,
  cache: CacheState,
  p: ResolvedSimParams,
  random: SimStreams,
  firstWaveAt: number,
): WavesRun {
  const processor = new BatchProcessor(p, random.timing, itemHandler(items, cache, p));
  const cancelAt = p.cancelAt ?? Number.POSITIVE_INFINITY;
  const waveNumbers = [...new Set(job.batches.map((b) => b.wave))].sort((a, b) => a - b);
  const timings = new Map<number, BatchTiming>();
  const waves: SimWaveResult[] = [];
  let createdAt = firstWaveAt;
  for (const wave of waveNumbers) {
    const indexes = job.batches.flatMap((b, index) => (b.wave === wave ? [index] : []));
    if (cancelAt <= createdAt) {
      // Canceled before this wave was submitted: its batches are never created.
      for (const b of indexes) for (const i of batchItems[b]!) items[i]!.result.batchId = null;
      waves.push({ wave, batches: indexes, createdAt: null, endedAt: null });
      continue;
    }
    const batches = indexes.map((index): JobBatch => {
      const size = batchItems[index]!.length;
      const batch = {
        ...processor.open(createdAt, size, cancelAt),
        index,
        items: batchItems[index]!,
      };
      processor.start(batch);
      return batch;
    });
    processor.runToEnd();
    let endedAt = createdAt;
    for (const batch of batches) {
      const timing = batchTiming(batch, cancelAt);
      timings.set(batch.index, timing);
      endedAt = Math.max(endedAt, timing.endedAt);
    }
    waves.push({ wave, batches: indexes, createdAt, endedAt });
    createdAt = endedAt + p.submissionGapMs;
  }
  return { timings, waves };
}

function batchTiming(batch: JobBatch, cancelAt: number): BatchTiming {
  const endedAt = BatchProcessor.endedAt(batch) ?? batch.startedAt; // every request is decided
  return {
    createdAt: batch.createdAt,
    startedAt: batch.startedAt,
    endedAt,
    expiresAt: batch.expiresAt,
    cancelInitiatedAt: cancelAt >= batch.createdAt && cancelAt <= endedAt ? cancelAt : null,
  };
}
