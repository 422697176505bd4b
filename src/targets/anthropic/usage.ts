/**
 * Where the Anthropic API's `usage` keeps its counts (reference §8 and fact 17, SDK-M):
 * `input_tokens` is only the uncached tokens after the last breakpoint; total input is
 * `input_tokens + cache_creation_input_tokens + cache_read_input_tokens`;
 * `cache_creation.ephemeral_5m_input_tokens` and `ephemeral_1h_input_tokens` split the write and
 * sum to `cache_creation_input_tokens`.
 */
import type { UsageFields } from "../target.js";

/** The usage fields of a batch result's `message.usage` (reference §5.4, §8). */
export const USAGE_FIELDS: UsageFields = Object.freeze({
  path: Object.freeze(["result", "message", "usage"]),
  input: "input_tokens",
  output: "output_tokens",
  cacheRead: "cache_read_input_tokens",
  cacheWrite: "cache_creation_input_tokens",
  cacheWriteByTtl: Object.freeze({
    field: "cache_creation",
    ttl: Object.freeze({ "5m": "ephemeral_5m_input_tokens", "1h": "ephemeral_1h_input_tokens" }),
  }),
  inputIncludesCache: false,
});
