/**
 * `simulate()`'s result (internal): per batch and overall, the result counts and token sums of
 * the requests as they were decided.
 */

import type { JobItems, WavesRun } from "./_simulate-batches.js";
import type { PrewarmRun } from "./_simulate-prewarm.js";
import type { SimJob } from "./job.js";
import { type SimBatchResult, type SimRequestResult, type SimResult, TokenSum } from "./results.js";

function counts(results: readonly SimRequestResult[]) {
  const c = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  for (const r of results) c[r.response.result.type] += 1;
  return c;
}

/** The result of `simulate()` from what its stages decided. */
export function assemble(
  job: SimJob,
  { items, batchItems }: JobItems,
  { timings, waves }: WavesRun,
  prewarm: PrewarmRun,
): SimResult {
  const requests = items.map((item) => item.result);
  const all = new TokenSum();
  const batches = batchItems.map((indexes, index): SimBatchResult => {
    const results = indexes.map((i) => requests[i]!);
    const wave = job.batches[index]!.wave;
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
      ...timing,
      request_counts: counts(results),
      tokens: sum.totals(),
    };
  });
  const endedAt = waves.reduce((end, w) => Math.max(end, w.endedAt ?? end), prewarm.endedAt);
  return {
    requests,
    prewarm: prewarm.results,
    batches,
    waves,
    totals: { requests: requests.length, ...counts(requests), ...all.totals() },
    endedAt,
  };
}
