/**
 * Where OpenAI's `usage` keeps its counts (reference §4.4, §4.6; OA-SDK): Chat Completions
 * `prompt_tokens`, `completion_tokens`, `prompt_tokens_details.cached_tokens`; Responses
 * `input_tokens`, `output_tokens`, `input_tokens_details.cached_tokens`; GPT-5.6+ writes in
 * `cache_write_tokens` (next to `cached_tokens`). The prompt count includes cached and written
 * tokens ("2,000 tokens were read from the cache and 400 additional tokens were written. The
 * remaining 200 input tokens were neither read nor written").
 */
import type { TokenBreakdown } from "../../pricing/cost.js";
import { isObject } from "../../util/json.js";
import type { UsageFields } from "../target.js";

/**
 * The usage fields for the generic reader (`src/usage.ts`), which reads flat fields: `readResult`
 * hands it {@link flatUsage} of either endpoint's `usage`, in these names.
 */
export const USAGE_FIELDS: UsageFields = Object.freeze({
  path: Object.freeze(["response", "body", "usage"]),
  input: "prompt_tokens",
  output: "completion_tokens",
  cacheRead: "cached_tokens",
  cacheWrite: "cache_write_tokens",
  cacheWriteByTtl: undefined,
  inputIncludesCache: true,
});

/**
 * Either endpoint's `usage` flattened to {@link USAGE_FIELDS}' names (Chat Completions
 * `prompt_tokens_details.*`, Responses `input_tokens`/`input_tokens_details.*`), or the value
 * itself when it is no usage object (the reader then says what is wrong).
 */
export function flatUsage(usage: unknown): unknown {
  if (!isObject(usage)) return usage;
  const chat = "prompt_tokens" in usage;
  const details = usage[chat ? "prompt_tokens_details" : "input_tokens_details"];
  return {
    prompt_tokens: usage[chat ? "prompt_tokens" : "input_tokens"],
    completion_tokens: usage[chat ? "completion_tokens" : "output_tokens"],
    cached_tokens: isObject(details) ? (details.cached_tokens ?? 0) : 0,
    cache_write_tokens: isObject(details) ? (details.cache_write_tokens ?? 0) : 0,
  };
}

const count = (v: unknown): number =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;

/**
 * A usage object of either endpoint (or the batch-level `usage`, which has the Responses shape)
 * as tokens by kind: `input` only the part neither read nor written. `undefined` when it is not one.
 */
export function readOpenAIUsage(usage: unknown): TokenBreakdown | undefined {
  if (!isObject(usage)) return undefined;
  const chat = "prompt_tokens" in usage;
  const prompt = usage[chat ? "prompt_tokens" : "input_tokens"];
  const output = usage[chat ? "completion_tokens" : "output_tokens"];
  if (typeof prompt !== "number" || typeof output !== "number") return undefined;
  const details = usage[chat ? "prompt_tokens_details" : "input_tokens_details"];
  const cached = isObject(details) ? count(details.cached_tokens) : 0;
  const written = isObject(details) ? count(details.cache_write_tokens) : 0;
  return {
    input: Math.max(0, prompt - cached - written),
    cacheWrite5m: written,
    cacheWrite1h: 0,
    cacheRead: cached,
    output,
  };
}
