/**
 * The stacked-price arithmetic, in one place. Every USD figure cacheplan shows comes from
 * {@link costOf} (or {@link costByKind}); prices and multipliers come from the model table.
 *
 * Order of truth (reference facts 8-10, §3, §7): base price per token (the long-context tier's
 * when the request's total input exceeds it) × cache multiplier (5m write 1.25, 1h write 2, read
 * the model's read multiplier) × batch 0.5 × `inference_geo: "us"` 1.1 where the model applies it.
 * The factors multiply, so their order changes nothing but rounding; it is kept as written.
 */
import { PRICE_MULTIPLIERS } from "../targets/anthropic/prices.js";
import type { PriceMultipliers } from "../targets/target.js";
import { type ModelInfo, ratesForRequest } from "./models.js";

/**
 * Tokens of one request (or a sum of requests) split by how they are billed, in the terms of the
 * API's `usage` (reference fact 17).
 */
export interface TokenBreakdown {
  /** Uncached input tokens, after the last cache breakpoint (`usage.input_tokens`). */
  input: number;
  /** Tokens written to the cache with the 5-minute TTL (`cache_creation.ephemeral_5m_input_tokens`). */
  cacheWrite5m: number;
  /** Tokens written to the cache with the 1-hour TTL (`cache_creation.ephemeral_1h_input_tokens`). */
  cacheWrite1h: number;
  /** Tokens read from the cache (`usage.cache_read_input_tokens`). */
  cacheRead: number;
  /** Output tokens (`usage.output_tokens`). */
  output: number;
}

/** The kinds of a {@link TokenBreakdown}, in display order. */
export const TOKEN_KINDS = [
  "input",
  "cacheWrite5m",
  "cacheWrite1h",
  "cacheRead",
  "output",
] as const satisfies readonly (keyof TokenBreakdown)[];

/** One kind of token in a {@link TokenBreakdown}. */
export type TokenKind = (typeof TOKEN_KINDS)[number];

// Every field of TokenBreakdown is in TOKEN_KINDS, and nothing else is (STYLE item 11).
type Expect<T extends true> = T;
type _KindsCoverBreakdown = Expect<
  [Exclude<keyof TokenBreakdown, TokenKind>] extends [never] ? true : false
>;

/** How a request is sent, beyond its tokens. */
export interface CostFlags {
  /** Sent through the Message Batches API (50% off all usage, reference fact 9). */
  batch: boolean;
  /**
   * The request's `inference_geo`. `"us"` multiplies every token category by 1.1 on models where
   * `usGeoMultiplierApplies` (Claude 4.6 and later, reference fact 10); `"global"` or absent is
   * standard price.
   * @default undefined
   */
  geo?: "us" | "global" | undefined;
}

/** A breakdown with every kind at 0. */
export function zeroTokens(): TokenBreakdown {
  return { input: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 0 };
}

/** Adds `b` (times `factor`) into `a`, in place, and returns `a`. */
export function addTokens(a: TokenBreakdown, b: TokenBreakdown, factor = 1): TokenBreakdown {
  for (const kind of TOKEN_KINDS) a[kind] += b[kind] * factor;
  return a;
}

/**
 * A request's total input tokens: `input + cacheWrite5m + cacheWrite1h + cacheRead` (reference
 * fact 17). Long-context tiers are chosen on this number.
 */
export function totalInputTokens(tokens: TokenBreakdown): number {
  return tokens.input + tokens.cacheWrite5m + tokens.cacheWrite1h + tokens.cacheRead;
}

/**
 * USD of one request's tokens, per kind. The long-context tier is chosen on this breakdown's
 * total input (PR-Q 2026-10-09: "Each request is priced on its own"), so pass one request at a
 * time for a model with `tiers`; for a model without tiers a sum of requests gives the same
 * result as summing per request. `prices` are the target's global factors (Anthropic's by default).
 */
export function costByKind(
  model: ModelInfo,
  tokens: TokenBreakdown,
  flags: CostFlags,
  prices: PriceMultipliers = PRICE_MULTIPLIERS,
): TokenBreakdown {
  const rates = ratesForRequest(model, totalInputTokens(tokens));
  const input = rates.inputPerMTok / 1e6;
  const output = rates.outputPerMTok / 1e6;
  const stack =
    (flags.batch ? prices.batch : 1) *
    (flags.geo === "us" && model.usGeoMultiplierApplies ? prices.usGeo : 1);
  return {
    input: tokens.input * input * stack,
    cacheWrite5m: tokens.cacheWrite5m * input * prices.write["5m"] * stack,
    cacheWrite1h: tokens.cacheWrite1h * input * prices.write["1h"] * stack,
    cacheRead: tokens.cacheRead * input * model.readMultiplier * stack,
    output: tokens.output * output * stack,
  };
}

/**
 * USD of one request's tokens under stacked pricing. See {@link costByKind} for the tier rule.
 *
 * @example
 * ```ts
 * // Opus 5.5 in a batch: 1M cache-read tokens at $4 × 0.05 × 0.5 per MTok = $0.10.
 * costOf(MODEL_TABLE["claude-opus-5-5"], { ...zeroTokens(), cacheRead: 1_000_000 }, { batch: true });
 * ```
 */
export function costOf(
  model: ModelInfo,
  tokens: TokenBreakdown,
  flags: CostFlags,
  prices: PriceMultipliers = PRICE_MULTIPLIERS,
): number {
  const usd = costByKind(model, tokens, flags, prices);
  return usd.input + usd.cacheWrite5m + usd.cacheWrite1h + usd.cacheRead + usd.output;
}
