/**
 * The model table's schema and arithmetic: what one row says about a model (prices, cache read
 * multiplier, minimum cacheable prefix, tokenizer, long-context tiers, provenance), the lookup
 * over rows, and the per-request price tier. The rows themselves are data of each target
 * (`src/targets/<name>/models.ts`); user overrides are parsed in `overrides.ts`.
 */
import { OptionsError } from "../errors.js";

/**
 * Where a fact comes from.
 * - `"official"`: Anthropic's docs or the SDK.
 * - `"secondary"`: verbatim quotes of official docs in public repositories.
 * - `"third-party"`: only non-Anthropic sources.
 * - `"unknown"`: no source states it; the value is an inference.
 */
export type Confidence = "official" | "secondary" | "third-party" | "unknown";

/**
 * Tokenizer generation. `"claude-2026"` is the tokenizer of Claude 4.7 and later models and of
 * Claude Mythos Preview, which produces about 30% more tokens for the same text than
 * `"claude-legacy"` (reference fact 5; PR-Q glossary 2026-10-09; H55).
 */
export type TokenizerFamily = "claude-legacy" | "claude-2026" | "o200k";

/** A long-context price tier that replaces the base prices above an input-size threshold. */
export interface PriceTier {
  /** The tier applies when the request's total input tokens (input + cache writes + cache reads) exceed this. */
  aboveInputTokens: number;
  /** USD per million base input tokens inside this tier (cache multipliers apply to it). */
  inputPerMTok: number;
  /** USD per million output tokens inside this tier. */
  outputPerMTok: number;
  /** Source key and a few words, e.g. `"H55; PR-Q 2026-10-08"`. */
  source: string;
}

/** Everything the planner and the cost model need to know about one model. */
export interface ModelInfo {
  /** Canonical SDK `Model` id, e.g. `"claude-haiku-4-5"`. */
  id: string;
  /** Other ids that resolve to this row, e.g. the dated `"claude-haiku-4-5-20251001"`. */
  aliases: readonly string[];
  /** Human-readable name, e.g. `"Claude Haiku 4.5"`. */
  displayName: string;
  /** USD per million base input tokens at standard (non-batch, global) pricing. */
  inputPerMTok: number;
  /** USD per million output tokens at standard (non-batch, global) pricing. */
  outputPerMTok: number;
  /** Cache hit/refresh price as a multiple of base input: `0.1` on most models, `0.05` or `0.025` on some. */
  readMultiplier: number;
  /** Minimum cacheable prefix in tokens; a shorter prefix is silently not cached. When unknown, a chosen stand-in (see `minCacheableKnown`). */
  minCacheableTokens: number;
  /** `false` when no source states the minimum and `minCacheableTokens` is a guess. */
  minCacheableKnown: boolean;
  /** Tokenizer generation; token counts are not comparable across families. */
  tokenizer: TokenizerFamily;
  /** Whether `inference_geo: "us"` multiplies every token category by {@link US_GEO_MULTIPLIER} (Claude 4.6 and later). */
  usGeoMultiplierApplies: boolean;
  /** Long-context price tiers, ascending by `aboveInputTokens`; `[]` when the model has one price at every length. */
  tiers: readonly PriceTier[];
  /** Provenance of `inputPerMTok`, `outputPerMTok`, `readMultiplier` and `tiers`. */
  priceConfidence: Confidence;
  /** Provenance of `minCacheableTokens`. */
  minimumConfidence: Confidence;
  /** Source keys from the reference with a few words each, e.g. `"PC-zh §定价: $1 / $5, read $0.10"`. */
  sources: readonly string[];
  /** ISO date (`YYYY-MM-DD`) on which the row was checked against its sources; `""` for user rows that give none. */
  checked: string;
  /** Caveats and history, e.g. `"read was 0.1x until 2026-10-07"`. */
  notes?: string;
}

export function freezeRow(info: ModelInfo): ModelInfo {
  return Object.freeze({
    ...info,
    aliases: Object.freeze([...info.aliases]),
    tiers: Object.freeze(info.tiers.map((tier) => Object.freeze({ ...tier }))),
    sources: Object.freeze([...info.sources]),
  });
}

/** Base prices that apply to one request, after picking its long-context tier. */
export interface RequestRates {
  /** USD per million base input tokens for this request; cache multipliers apply to it. */
  inputPerMTok: number;
  /** USD per million output tokens for this request. */
  outputPerMTok: number;
  /** The tier that supplied the prices, or `undefined` when the model's base prices apply. */
  tier: PriceTier | undefined;
}

/**
 * Picks the base prices for one request from its total input tokens
 * (`input_tokens + cache_creation_input_tokens + cache_read_input_tokens`). The highest tier
 * whose `aboveInputTokens` is exceeded reprices the whole request (PR-Q 2026-10-09: "Each
 * request is priced on its own").
 */
export function ratesForRequest(info: ModelInfo, totalInputTokens: number): RequestRates {
  let tier: PriceTier | undefined;
  for (const candidate of info.tiers) {
    if (
      totalInputTokens > candidate.aboveInputTokens &&
      (tier === undefined || candidate.aboveInputTokens > tier.aboveInputTokens)
    ) {
      tier = candidate;
    }
  }
  return tier === undefined
    ? { inputPerMTok: info.inputPerMTok, outputPerMTok: info.outputPerMTok, tier }
    : { inputPerMTok: tier.inputPerMTok, outputPerMTok: tier.outputPerMTok, tier };
}

/** A lookup over built-in and user-supplied model rows. */
export interface ModelTable {
  /** The row for a canonical id or an alias; `undefined` for an id the table does not know. */
  get(model: string): ModelInfo | undefined;
  /** Canonical ids of every row: built-in ones first, in SDK order, then user-added ones. */
  ids(): string[];
}

/**
 * A lookup over `rows`, each reachable by its canonical id and by its aliases, in the order given.
 *
 * @throws {OptionsError} When two rows claim the same id or alias; the message names both.
 */
export function tableOf(rows: Iterable<ModelInfo>): ModelTable {
  const index = new Map<string, ModelInfo>();
  for (const info of rows) index.set(info.id, Object.isFrozen(info) ? info : freezeRow(info));
  const ids = [...index.keys()];
  for (const id of ids) {
    const info = index.get(id) as ModelInfo;
    for (const alias of info.aliases) {
      const owner = index.get(alias);
      if (owner !== undefined && owner.id !== info.id) {
        throw new OptionsError(
          `Model override ${JSON.stringify(info.id)}: alias ${JSON.stringify(alias)} is already the id or an alias of ${JSON.stringify(owner.id)}; remove it from one of the two \`aliases\` lists.`,
        );
      }
      index.set(alias, info);
    }
  }
  return {
    get: (model) => index.get(model),
    ids: () => [...ids],
  };
}
