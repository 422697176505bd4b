/**
 * Helpers of the simulator tests. Tokens come from the word counter of `test/helpers`: a text
 * block counts one token per word, any block without text or description counts 10, so every
 * expected usage below can be worked out by hand.
 */

import type { CacheState, CacheUsage, PreparedRequest } from "../../src/exports/sim.js";
import type { BatchRequest, TokensOf } from "../../src/index.js";
import { blocksOf } from "../helpers/requests.js";
import { blockTokens } from "../helpers/word-counter.js";

const counted = new Map<string, number>();

/** Tokens of a segment: words of its text (the word counter's rule), memoised by content hash. */
export const wordTokens: TokensOf = (segment) => {
  let tokens = counted.get(segment.contentHash);
  if (tokens === undefined) {
    tokens = blockTokens(segment.block);
    counted.set(segment.contentHash, tokens);
  }
  return tokens;
};

/** Total prompt tokens of a request, computed from its blocks independently of `src/`. */
export function promptTokens(request: BatchRequest): number {
  return blocksOf(request).reduce((sum, b) => {
    const { cache_control: _ignored, ...block } = b.block;
    return sum + blockTokens(block);
  }, 0);
}

/** Prepares a request that must be valid. */
export function prepare(
  cache: CacheState,
  request: BatchRequest,
  options: Parameters<CacheState["prepare"]>[2] = {},
): PreparedRequest {
  const prep = cache.prepare(request, wordTokens, options);
  if (!prep.ok) throw new Error(`unexpected 400: ${prep.error.message}`);
  return prep.request;
}

/** Runs a request through the cache: lookup at `start`, writes readable from `readableAt`. */
export function run(
  cache: CacheState,
  request: BatchRequest,
  start: number,
  readableAt = start + 1000,
): CacheUsage {
  const lookup = cache.lookup(prepare(cache, request), start, "batch");
  cache.commit(lookup, readableAt);
  return lookup.usage;
}

/** Usage of a cache outcome, written out in full. */
export function usage(input: number, read: number, write5m: number, write1h: number): CacheUsage {
  return {
    input_tokens: input,
    cache_creation_input_tokens: write5m + write1h,
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h },
  };
}
