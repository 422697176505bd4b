/**
 * `simulate()`: a job of waves of batches against the model of the provider's cache, in virtual
 * time, seeded. Pure: no clock, no network, no disk.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { seededRandom } from "../sample.js";
import type { BatchRequest } from "../types.js";
import { type BatchTiming, runWave, type WaveBatch } from "./_batch-model.js";
import { type CacheLookup, CacheState, type Preparation } from "./cache.js";
import type { SimJob } from "./job.js";
import {
  outputTokensFor,
  type ResolvedSimParams,
  resolveSimParams,
  type SimParams,
} from "./params.js";
import {
  FAULT_MESSAGES,
  type SimBatchResult,
  type SimCacheTrace,
  type SimPrewarmResult,
  type SimRequestResult,
  type SimResult,
  type SimWaveResult,
  simError,
  simMessage,
  TokenSum,
} from "./results.js";

type Fault = "api_error" | "overloaded_error" | null;

interface Item {
  request: BatchRequest;
  batchIndex: number;
  wave: number;
  prep: Preparation;
  fault: Fault;
  result: SimRequestResult;
}

/**
 * The 400 a batch gives a request that the Messages API would accept (reference fact 13, BP-en
 * §What can be batched): `max_tokens: 0`, `stream: true` and `speed` are rejected in batches.
 */
function batchOnlyError(params: Anthropic.Messages.MessageCreateParamsNonStreaming): string | null {
  const raw = params as unknown as Record<string, unknown>;
  if (raw.max_tokens === 0) {
    return "max_tokens: 0 (cache pre-warming) is not supported in Message Batches; set max_tokens to at least 1.";
  }
  if (raw.stream === true) return "stream: Streaming is not supported in Message Batches.";
  if (raw.speed != null) return "speed: Fast mode is not supported in Message Batches.";
  return null;
}

/** Streams of random draws, one per purpose, so that changing one parameter keeps the others. */
function streams(seed: number) {
  return {
    timing: seededRandom(seed ^ 0x7131_0001),
    faults: seededRandom(seed ^ 0x7131_0002),
  };
}

function trace(lookup: CacheLookup): SimCacheTrace {
  return {
    read: lookup.read && { label: lookup.read.label, tokens: lookup.read.tokens },
    writes: lookup.writes,
  };
}

/** Runs one request that passed validation; returns its timing and message. */
function runRequest(
  cache: CacheState,
  prep: Extract<Preparation, { ok: true }>,
  params: Anthropic.Messages.MessageCreateParamsNonStreaming,
  start: number,
  p: ResolvedSimParams,
  source: "batch" | "messages",
  messageId: string,
) {
  const lookup = cache.lookup(prep.request, start, source);
  const { usage } = lookup;
  // The response starts after the overhead plus prefill of the uncached tokens; only then are
  // this request's writes readable (fact 14). Generation follows; TTLs run from `start` (fact 7).
  const uncached = usage.input_tokens + usage.cache_creation_input_tokens;
  const readable = start + p.requestOverheadMs + uncached * p.prefillMsPerToken;
  const maxTokens = prep.request.maxTokens;
  const output = maxTokens === 0 ? 0 : outputTokensFor(p.outputTokens, maxTokens);
  const end = readable + output * p.msPerOutputToken;
  cache.commit(lookup, readable);
  const message = simMessage(
    messageId,
    prep.request.model,
    lookup,
    output,
    maxTokens,
    source === "batch" ? "batch" : "standard",
    params.inference_geo ?? "not_available", // as recorded responses say when none was asked
  );
  return { lookup, timing: { start, readable, end }, message };
}

/**
 * Simulates a job: an optional synchronous prewarm, then waves of batches, against the cache
 * model, in virtual time. Same job, parameters and seed give an identical result.
 *
 * Processing model: the prewarm calls run one after the other from time 0; the first wave is
 * created at time 0 (or `submissionGapMs` after the prewarm); each wave's batches are created
 * together and each starts after `startDelayMs` plus jitter; a batch runs `concurrency` requests
 * at a time, roughly in submission order; a request's response starts after `requestOverheadMs`
 * plus prefill of its uncached tokens and ends after generating its output tokens; wave n+1 is
 * created `submissionGapMs` after the last batch of wave n ends.
 *
 * @example
 * ```
 * const tokensOf = await prepareTokens(plan, createTiktokenCounter());
 * const { totals } = simulate(plan, { tokensOf });
 * console.log(totals.tokenHitRate);
 * ```
 */
export function simulate(job: SimJob, params: SimParams): SimResult {
  const p = resolveSimParams(params);
  const random = streams(p.seed);
  const cache = new CacheState({
    models: p.models,
    syncToBatchVisibility: p.syncToBatchVisibility,
    seed: p.seed,
  });
  const prepareOptions = { ttlOrderViolation: p.ttlOrderViolation };

  // 1. The synchronous prewarm, one call after the other (Messages API, service tier standard).
  const prewarm: SimPrewarmResult[] = [];
  let now = 0;
  (job.prewarm ?? []).forEach((body, index) => {
    const request = { custom_id: `prewarm-${index}`, params: body };
    const prep = cache.prepare(request, p.tokensOf, { ...prepareOptions, workspace: p.workspace });
    if (!prep.ok) {
      const end = now + p.requestOverheadMs;
      prewarm.push({
        index,
        result: simError(prep.error.type, prep.error.message, `req_sim_prewarm_${index}`),
        timing: { start: now, readable: end, end },
        cache: null,
      });
      now = end;
      return;
    }
    const run = runRequest(cache, prep, body, now, p, "messages", `msg_sim_prewarm_${index}`);
    prewarm.push({
      index,
      result: { type: "succeeded", message: run.message },
      timing: run.timing,
      cache: trace(run.lookup),
    });
    now = run.timing.end;
  });
  const prewarmEnd = now;

  // 2. Every batch request, prepared once, with its fault drawn in job order.
  const prepareBatchItem = (request: BatchRequest, workspace: string): Preparation => {
    const rejected = batchOnlyError(request.params);
    if (rejected === null)
      return cache.prepare(request, p.tokensOf, { ...prepareOptions, workspace });
    return {
      ok: false,
      custom_id: request.custom_id,
      error: { type: "invalid_request_error", message: rejected },
    };
  };
  const items: Item[] = [];
  const batchItems: number[][] = [];
  job.batches.forEach((batch, batchIndex) => {
    const workspace = batch.workspace ?? p.workspace;
    const indexes: number[] = [];
    for (const request of batch.requests) {
      let fault: Fault = null;
      if (p.errorRate > 0 && random.faults() < p.errorRate) {
        fault = random.faults() < 0.5 ? "api_error" : "overloaded_error";
      }
      indexes.push(items.length);
      items.push({
        request,
        batchIndex,
        wave: batch.wave,
        prep: prepareBatchItem(request, workspace),
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
    }
    batchItems.push(indexes);
  });

  const execute = (index: number, start: number): number => {
    const item = items[index]!;
    const { prep, result } = item;
    const requestId = `req_sim_${index.toString(36)}`;
    const fail = (failure: ReturnType<typeof simError>) => {
      // An errored request holds its slot briefly, touches no entry and is not billed (§5.4).
      const end = start + p.requestOverheadMs;
      result.response = { custom_id: result.custom_id, result: failure };
      result.timing = { start, readable: end, end };
      return end;
    };
    if (!prep.ok) return fail(simError(prep.error.type, prep.error.message, requestId));
    if (item.fault !== null) {
      return fail(simError(item.fault, FAULT_MESSAGES[item.fault], requestId));
    }
    const run = runRequest(
      cache,
      prep,
      item.request.params,
      start,
      p,
      "batch",
      `msg_sim_${index.toString(36)}`,
    );
    result.response = {
      custom_id: result.custom_id,
      result: { type: "succeeded", message: run.message },
    };
    result.timing = run.timing;
    result.cache = trace(run.lookup);
    return run.timing.end;
  };
  const skip = (index: number, outcome: "expired" | "canceled") => {
    const { result } = items[index]!;
    result.response = { custom_id: result.custom_id, result: { type: outcome } };
  };

  // 3. Waves in ascending order; wave n+1 is created after wave n has ended.
  const waveNumbers = [...new Set(job.batches.map((b) => b.wave))].sort((a, b) => a - b);
  const timings = new Map<number, BatchTiming>();
  const waves: SimWaveResult[] = [];
  let waveStart = job.prewarm?.length ? prewarmEnd + p.submissionGapMs : 0;
  for (const wave of waveNumbers) {
    const inWave: WaveBatch[] = [];
    job.batches.forEach((b, index) => {
      if (b.wave === wave) inWave.push({ index, requests: batchItems[index]! });
    });
    if (p.cancelAt !== undefined && p.cancelAt <= waveStart) {
      // Canceled before this wave was submitted: its batches are never created.
      for (const b of inWave) {
        for (const i of b.requests) items[i]!.result.batchId = null;
      }
      waves.push({ wave, batches: inWave.map((b) => b.index), createdAt: null, endedAt: null });
      continue;
    }
    const ended = runWave(inWave, waveStart, { ...p, cancelAt: p.cancelAt }, random.timing, {
      execute,
      skip,
    });
    let waveEnd = waveStart;
    for (const t of ended) {
      timings.set(t.index, t);
      waveEnd = Math.max(waveEnd, t.endedAt);
    }
    waves.push({
      wave,
      batches: inWave.map((b) => b.index),
      createdAt: waveStart,
      endedAt: waveEnd,
    });
    waveStart = waveEnd + p.submissionGapMs;
  }

  return assemble(
    items,
    batchItems,
    job.batches.map((b) => b.wave),
    timings,
    waves,
    prewarm,
    prewarmEnd,
  );
}

function counts(results: readonly SimRequestResult[]) {
  const c = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  for (const r of results) c[r.response.result.type] += 1;
  return c;
}

function assemble(
  items: readonly Item[],
  batchItems: readonly number[][],
  batchWaves: readonly number[],
  timings: ReadonlyMap<number, BatchTiming>,
  waves: SimWaveResult[],
  prewarm: SimPrewarmResult[],
  prewarmEnd: number,
): SimResult {
  const requests = items.map((item) => item.result);
  const all = new TokenSum();
  const batches = batchItems.map((indexes, index): SimBatchResult => {
    const results = indexes.map((i) => requests[i]!);
    const wave = batchWaves[index]!;
    const timing = timings.get(index);
    if (timing === undefined) {
      return { state: "not_submitted", index, wave, request_counts: counts(results) };
    }
    const sum = new TokenSum();
    for (const r of results) {
      if (r.response.result.type === "succeeded") {
        sum.add(r.response.result.message.usage);
        all.add(r.response.result.message.usage);
      }
    }
    return {
      state: "ended",
      index,
      wave,
      id: `msgbatch_sim_${index}`,
      createdAt: timing.createdAt,
      startedAt: timing.startedAt,
      endedAt: timing.endedAt,
      expiresAt: timing.expiresAt,
      cancelInitiatedAt: timing.cancelInitiatedAt,
      request_counts: counts(results),
      tokens: sum.totals(),
    };
  });
  const endedAt = waves.reduce((end, w) => Math.max(end, w.endedAt ?? end), prewarmEnd);
  return {
    requests,
    prewarm,
    batches,
    waves,
    totals: { requests: requests.length, ...counts(requests), ...all.totals() },
    endedAt,
  };
}
