/**
 * One request through the cache model at a moment of virtual time (internal): what `simulate()`
 * and the emulator both do when a request starts, whether in a batch or as a synchronous
 * Messages call.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { CacheLookup, CacheSource, CacheState, PreparedRequest } from "./cache.js";
import { outputTokensFor, type ResolvedSimParams } from "./params.js";
import { type SimCacheTrace, type SimTiming, simMessage } from "./results.js";

/** What one request got: its lookup (hit and writes), its timing and the message it returns. */
export interface RequestRun {
  lookup: CacheLookup;
  timing: SimTiming;
  message: Anthropic.Messages.Message;
}

type TimingParams = Pick<
  ResolvedSimParams,
  "requestOverheadMs" | "prefillMsPerToken" | "msPerOutputToken" | "outputTokens"
>;

/**
 * Runs a prepared request at `start`: the lookup; the response starts after the overhead plus
 * prefill of the uncached tokens, and only then are a batch request's writes readable (fact 14);
 * generation follows; TTLs run from `start` (fact 7). A synchronous call's response is handed to
 * its client at once, so its writes are readable from `start`: the next call a client sends after
 * receiving a response reads them (issue 12 item 1; `simulate()`'s prewarm calls run one after
 * the other, so for them both rules agree).
 */
export function runRequest(
  cache: CacheState,
  request: PreparedRequest,
  params: Readonly<Record<string, unknown>>,
  start: number,
  p: TimingParams,
  source: CacheSource,
  messageId: string,
): RequestRun {
  const lookup = cache.lookup(request, start, source);
  const { usage } = lookup;
  const uncached = usage.input_tokens + usage.cache_creation_input_tokens;
  const readable = start + p.requestOverheadMs + uncached * p.prefillMsPerToken;
  const output = request.maxTokens === 0 ? 0 : outputTokensFor(p.outputTokens, request.maxTokens);
  const end = readable + output * p.msPerOutputToken;
  cache.commit(lookup, source === "messages" ? start : readable);
  // Recorded responses say "not_available" unless the request asked for a region (item 3).
  const geo = typeof params.inference_geo === "string" ? params.inference_geo : "not_available";
  const message = simMessage(
    messageId,
    request.model,
    lookup,
    output,
    request.maxTokens,
    source === "batch" ? "batch" : "standard",
    geo,
  );
  return { lookup, timing: { start, readable, end }, message };
}

/** What a request did to the cache, as `simulate()` reports it. */
export function cacheTrace(lookup: CacheLookup): SimCacheTrace {
  return {
    read: lookup.read && { label: lookup.read.label, tokens: lookup.read.tokens },
    writes: lookup.writes,
  };
}
