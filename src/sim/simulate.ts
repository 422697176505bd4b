/**
 * `simulate()`: a job of waves of batches against the model of the provider's cache, in virtual
 * time, seeded. Pure: no clock, no network, no disk.
 */
import { simStreams } from "./_draws.js";
import { assemble } from "./_simulate-assemble.js";
import { prepareItems, runWaves } from "./_simulate-batches.js";
import { runPrewarm } from "./_simulate-prewarm.js";
import { CacheState } from "./cache.js";
import type { SimJob } from "./job.js";
import { resolveSimParams, type SimParams } from "./params.js";
import type { SimResult } from "./results.js";

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
  const random = simStreams(p.seed);
  const cache = new CacheState({
    models: p.models,
    syncToBatchVisibility: p.syncToBatchVisibility,
    batchReadRate: p.batchReadRate,
    visibilityDelayMs: p.visibilityDelayMs,
    ttlMs: p.ttlMs,
    seed: p.seed,
  });
  const prewarm = runPrewarm(job.prewarm ?? [], cache, p);
  const items = prepareItems(job, cache, p, random.faults);
  const firstWaveAt = job.prewarm?.length ? prewarm.endedAt + p.submissionGapMs : 0;
  const waves = runWaves(job, items, cache, p, random, firstWaveAt);
  return assemble(job, items, waves, prewarm);
}
