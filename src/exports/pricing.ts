/**
 * `cacheplan/pricing`: the stacked-price arithmetic the estimate and the report use, over a
 * `TokenBreakdown` (uncached input, 5m and 1h cache writes, cache reads, output), and the one
 * reader of a result's `usage` into that breakdown. The model table itself is at the root.
 */
export {
  addTokens,
  type CostFlags,
  costByKind,
  costOf,
  TOKEN_KINDS,
  type TokenBreakdown,
  type TokenKind,
  totalInputTokens,
  zeroTokens,
} from "../pricing/cost.js";
export { readUsage, type TokenUsage, type UsageReading } from "../usage.js";
