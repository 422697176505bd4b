/**
 * `cacheplan/tokens`: token counters, the `counter` option of `plan()`, `estimate()` and
 * `prepareTokens()`. The offline counter (js-tiktoken, scaled per tokenizer family) is the
 * default; the exact counter asks the API's free `messages.countTokens` and caches counts on disk
 * (it loads the SDK only when it first counts). Implement `TokenCounter` to bring your own.
 */
// Held back: `MISSING_API_KEY_MESSAGE` (the error's `code`, `missing-environment`, is stable; its
// text is not).
export type { SegmentCountRequest, TokenCounter } from "../tokens/counter.js";
export {
  createExactCounter,
  type ExactCounterOptions,
  type ExactTokenCounter,
  isPrefixCounter,
  type PrefixCountRequest,
  type PrefixTokenCounter,
} from "../tokens/exact.js";
export {
  createTiktokenCounter,
  type TiktokenCounterOptions,
  TOKENIZER_FACTORS,
} from "../tokens/tiktoken.js";
