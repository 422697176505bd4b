/**
 * `simulate()`'s prewarm (internal): synchronous Messages calls (service tier standard), one after
 * the other from time 0, against the cache model.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { cacheTrace, runRequest } from "./_request-run.js";
import type { CacheState } from "./cache.js";
import type { ResolvedSimParams } from "./params.js";
import { type SimPrewarmResult, simError } from "./results.js";

/** The prewarm's results, and when its last call ended. */
export interface PrewarmRun {
  results: SimPrewarmResult[];
  endedAt: number;
}

/** Runs the prewarm calls in order; each starts when the one before it ends. */
export function runPrewarm(
  bodies: readonly Anthropic.Messages.MessageCreateParamsNonStreaming[],
  cache: CacheState,
  p: ResolvedSimParams,
): PrewarmRun {
  const options = { ttlOrderViolation: p.ttlOrderViolation, workspace: p.workspace };
  const results: SimPrewarmResult[] = [];
  let now = 0;
  bodies.forEach((body, index) => {
    const request = { custom_id: `prewarm-${index}`, params: body };
    const prep = cache.prepare(request, p.tokensOf, options);
    if (!prep.ok) {
      const end = now + p.requestOverheadMs;
      results.push({
        index,
        result: simError(prep.error.type, prep.error.message, `req_sim_prewarm_${index}`),
        timing: { start: now, readable: end, end },
        cache: null,
      });
      now = end;
      return;
    }
    const params = body as unknown as Record<string, unknown>;
    const run = runRequest(
      cache,
      prep.request,
      params,
      now,
      p,
      "messages",
      `msg_sim_prewarm_${index}`,
    );
    results.push({
      index,
      result: { type: "succeeded", message: run.message },
      timing: run.timing,
      cache: cacheTrace(run.lookup),
    });
    now = run.timing.end;
  });
  return { results, endedAt: now };
}
