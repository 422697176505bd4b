/**
 * Per-model facts: list prices, cache read multipliers, minimum cacheable prefix lengths,
 * tokenizer families. This is the only place in cacheplan that states a price or a minimum;
 * every other module reads them from a {@link ModelTable}.
 *
 * Source keys in comments (PC-zh, PR-Q, Q-MIN, H55, F52, SDK-M, …) refer to the source key
 * table of `shared/reference/anthropic-caching-and-batches.md` (state as of 2026-11-22).
 */
import type Anthropic from "@anthropic-ai/sdk";
import { DEFAULT_READ_MULTIPLIER } from "../targets/anthropic/prices.js";

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
export type TokenizerFamily = "claude-legacy" | "claude-2026";

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

// The Anthropic API's multipliers and stand-in minimum live in the target's folder; re-exported
// here while importers switch.
export { CONSERVATIVE_MIN_CACHEABLE_TOKENS } from "../targets/anthropic/caching.js";
export {
  BATCH_MULTIPLIER,
  DEFAULT_READ_MULTIPLIER,
  US_GEO_MULTIPLIER,
  WRITE_1H_MULTIPLIER,
  WRITE_5M_MULTIPLIER,
} from "../targets/anthropic/prices.js";

/** The date every built-in row was last checked against the reference. */
const CHECKED = "2026-11-22";

/** Canonical ids of the built-in models, in the order of the SDK `Model` union (SDK-M 3945). */
export const KNOWN_MODELS = [
  "claude-fable-5-2",
  "claude-mythos-5-2",
  "claude-haiku-5-5",
  "claude-sonnet-5-5",
  "claude-fable-5-1",
  "claude-opus-5-5",
  "claude-mythos-5-1",
  "claude-sonnet-5",
  "claude-fable-5",
  "claude-mythos-5",
  "claude-opus-5",
  "claude-opus-4-8",
  "claude-opus-4-7",
  "claude-mythos-preview",
  "claude-opus-4-6",
  "claude-sonnet-4-6",
  "claude-haiku-4-5",
  "claude-opus-4-5",
  "claude-sonnet-4-5",
] as const;

/** A canonical id that has a built-in row. */
export type KnownModel = (typeof KNOWN_MODELS)[number];

/** Dated ids in the SDK `Model` union; each is an alias of a canonical row. */
export const KNOWN_ALIASES = [
  "claude-haiku-4-5-20251001",
  "claude-opus-4-5-20251101",
  "claude-sonnet-4-5-20250929",
] as const;

/** A dated id that resolves to a built-in row. */
export type KnownAlias = (typeof KNOWN_ALIASES)[number];

/** Any model id; known ones autocomplete (STYLE item 10). */
export type ModelId = KnownModel | KnownAlias | (string & {});

// Compile-time tie to the SDK: every literal in the SDK `Model` union must be a known id or
// alias, and every known id or alias must be in the SDK union. A new SDK model fails here.
type Literals<T> = T extends string ? (string extends T ? never : T) : never;
type SdkModelLiteral = Literals<Anthropic.Model>;
type Expect<T extends true> = T;
type IsNever<T> = [T] extends [never] ? true : false;
type _SdkModelsCovered = Expect<IsNever<Exclude<SdkModelLiteral, KnownModel | KnownAlias>>>;
type _NoModelsOutsideSdk = Expect<IsNever<Exclude<KnownModel | KnownAlias, SdkModelLiteral>>>;

const FABLE_5_2_MINIMUM_NOTE =
  "No source states the minimum; 1,024 is the largest minimum documented for any Claude 5.x model (Sonnet 5), so a prefix the planner marks is very likely cached, at the cost of skipping prefixes between the likely 512 and 1,024.";

const rows = {
  "claude-fable-5-2": {
    id: "claude-fable-5-2",
    aliases: [],
    displayName: "Claude Fable 5.2",
    // F52 (laozhang 2026-11-10, qiita 2026-11-12): $8 input / $40 output; batch $4 / $20.
    inputPerMTok: 8,
    outputPerMTok: 40,
    // F52: read $0.20 on $8 input = 0.025x. Third-party only; no official table seen.
    readMultiplier: 0.025,
    // Reference §2 and §9: "Minimum cacheable length for Fable 5.2 and Mythos 5.2" is unknown.
    minCacheableTokens: 1024,
    minCacheableKnown: false,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "third-party",
    minimumConfidence: "unknown",
    sources: [
      "F52: laozhang 2026-11-10, apiyi, qiita 2026-11-12, developersdigest 2026-11-09 ($8/$40, read $0.20)",
      "PC-md ≥ 2026-11-09: listed in supportedModels (no prices, no minimum)",
    ],
    checked: CHECKED,
    notes: `Released 2026-11-09; prices are third-party only. ${FABLE_5_2_MINIMUM_NOTE}`,
  },
  "claude-mythos-5-2": {
    id: "claude-mythos-5-2",
    aliases: [],
    displayName: "Claude Mythos 5.2",
    // F52 (apiyi): "same specs and price" as Fable 5.2. Not verified.
    inputPerMTok: 8,
    outputPerMTok: 40,
    readMultiplier: 0.025,
    minCacheableTokens: 1024,
    minCacheableKnown: false,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "third-party",
    minimumConfidence: "unknown",
    sources: [
      'F52: apiyi says "same specs and price" as Fable 5.2',
      "PC-md ≥ 2026-11-09: listed in supportedModels (no prices, no minimum)",
    ],
    checked: CHECKED,
    notes: `Prices copied from Fable 5.2 on one third-party statement. ${FABLE_5_2_MINIMUM_NOTE}`,
  },
  "claude-haiku-5-5": {
    id: "claude-haiku-5-5",
    aliases: [],
    displayName: "Claude Haiku 5.5",
    // H55; PR-Q 2026-10-08: $0.10 / $0.50 for prompts up to 100k tokens, read $0.01.
    inputPerMTok: 0.1,
    outputPerMTok: 0.5,
    readMultiplier: 0.1,
    // H55: "The minimum cacheable prompt length is 512 tokens"; Q-MIN 2026-10-08.
    minCacheableTokens: 512,
    minCacheableKnown: true,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [
      {
        // H55; PR-Q 2026-10-09: "A request's prompt length counts all of its input tokens,
        // including cache reads and cache writes. Each request is priced on its own."
        aboveInputTokens: 100_000,
        inputPerMTok: 0.5,
        outputPerMTok: 2.5,
        source: "H55; PR-Q 2026-10-08/09: prompt > 100k tokens, $0.50 / $2.50, read $0.05",
      },
    ],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: [
      "H55 ≥ 2026-10-07: prices, >100k tier, minimum 512",
      "PR-Q 2026-10-08: prices",
      "Q-MIN 2026-10-08: minimum 512",
    ],
    checked: CHECKED,
    notes:
      "The only model with a long-context tier. The page does not say whether only the tokens above 100k are repriced; the tier is read as repricing the whole request, as third parties do.",
  },
  "claude-sonnet-5-5": {
    id: "claude-sonnet-5-5",
    aliases: [],
    displayName: "Claude Sonnet 5.5",
    // PR-Q 2026-10-08: $2 / $10 (not in the PC-zh table, which predates the launch).
    inputPerMTok: 2,
    outputPerMTok: 10,
    // PR-Q 2026-10-08: "Cache hits and refreshes on Claude Opus 5.5 and Claude Sonnet 5.5 are priced at 0.05x"
    readMultiplier: 0.05,
    // Q-MIN 2026-10-01: "512 tokens for … Claude Sonnet 5.5 …"
    minCacheableTokens: 512,
    minCacheableKnown: true,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "secondary",
    minimumConfidence: "secondary",
    sources: ["PR-Q 2026-10-08: $2/$10, read $0.10 (0.05x)", "Q-MIN 2026-10-01: minimum 512"],
    checked: CHECKED,
    notes: "Read was 0.1x ($0.20) from launch on 2026-09-28 until 2026-10-07; 0.05x ($0.10) since.",
  },
  "claude-fable-5-1": {
    id: "claude-fable-5-1",
    aliases: [],
    displayName: "Claude Fable 5.1",
    inputPerMTok: 10,
    outputPerMTok: 50,
    // PC-zh §定价: read $0.25 on $10 input = 0.025x.
    readMultiplier: 0.025,
    minCacheableTokens: 512,
    minCacheableKnown: true,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $10/$50, read $0.25 (0.025x)", "PC-zh §缓存限制; Q-MIN: minimum 512"],
    checked: CHECKED,
  },
  "claude-opus-5-5": {
    id: "claude-opus-5-5",
    aliases: [],
    displayName: "Claude Opus 5.5",
    // PC-zh §定价; batch $2 / $10 (PR-Q).
    inputPerMTok: 4,
    outputPerMTok: 20,
    // PC-zh §定价 footnote; PR-Q 2026-10-08: read 0.05x ($0.20 on $4).
    readMultiplier: 0.05,
    minCacheableTokens: 512,
    minCacheableKnown: true,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $4/$20, read $0.20 (0.05x)", "PC-zh §缓存限制: minimum 512"],
    checked: CHECKED,
  },
  "claude-mythos-5-1": {
    id: "claude-mythos-5-1",
    aliases: [],
    displayName: "Claude Mythos 5.1",
    inputPerMTok: 10,
    outputPerMTok: 50,
    // PC-zh §定价: read $0.25 on $10 input = 0.025x.
    readMultiplier: 0.025,
    minCacheableTokens: 512,
    minCacheableKnown: true,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $10/$50, read $0.25 (0.025x)", "PC-zh §缓存限制: minimum 512"],
    checked: CHECKED,
    notes: 'PC-zh lists it as "limited availability".',
  },
  "claude-sonnet-5": {
    id: "claude-sonnet-5",
    aliases: [],
    displayName: "Claude Sonnet 5",
    // PC-zh footnote 3; PR-Q: the $2/$10 intro price "is now the standard price".
    inputPerMTok: 2,
    outputPerMTok: 10,
    readMultiplier: 0.1,
    // PC-zh §缓存限制: 1,024 (the only 5.x model above 512).
    minCacheableTokens: 1024,
    minCacheableKnown: true,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $2/$10, read $0.20", "PC-zh §缓存限制: minimum 1,024"],
    checked: CHECKED,
    notes:
      "The planned rise to $3/$15 on 2026-09-01 will not occur (PR-Q); older sources saying $3/$15 are superseded.",
  },
  "claude-fable-5": {
    id: "claude-fable-5",
    aliases: [],
    displayName: "Claude Fable 5",
    inputPerMTok: 10,
    outputPerMTok: 50,
    // PC-zh §定价: read $1 on $10 input = 0.1x (unlike Fable 5.1).
    readMultiplier: 0.1,
    minCacheableTokens: 512,
    minCacheableKnown: true,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $10/$50, read $1", "PC-zh §缓存限制: minimum 512"],
    checked: CHECKED,
  },
  "claude-mythos-5": {
    id: "claude-mythos-5",
    aliases: [],
    displayName: "Claude Mythos 5",
    inputPerMTok: 10,
    outputPerMTok: 50,
    // PC-zh §定价: read $1 on $10 input = 0.1x (unlike Mythos 5.1).
    readMultiplier: 0.1,
    minCacheableTokens: 512,
    minCacheableKnown: true,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $10/$50, read $1", "PC-zh §缓存限制: minimum 512"],
    checked: CHECKED,
  },
  "claude-opus-5": {
    id: "claude-opus-5",
    aliases: [],
    displayName: "Claude Opus 5",
    inputPerMTok: 5,
    outputPerMTok: 25,
    readMultiplier: 0.1,
    minCacheableTokens: 512,
    minCacheableKnown: true,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $5/$25, read $0.50", "PC-zh §缓存限制: minimum 512"],
    checked: CHECKED,
  },
  "claude-opus-4-8": {
    id: "claude-opus-4-8",
    aliases: [],
    displayName: "Claude Opus 4.8",
    inputPerMTok: 5,
    outputPerMTok: 25,
    readMultiplier: 0.1,
    // PC-zh §缓存限制: 1,024. OpenRouter lists 4,096; Anthropic's page wins (reference §2).
    minCacheableTokens: 1024,
    minCacheableKnown: true,
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $5/$25, read $0.50", "PC-zh §缓存限制: minimum 1,024"],
    checked: CHECKED,
  },
  "claude-opus-4-7": {
    id: "claude-opus-4-7",
    aliases: [],
    displayName: "Claude Opus 4.7",
    inputPerMTok: 5,
    outputPerMTok: 25,
    readMultiplier: 0.1,
    // PC-zh §缓存限制: 2,048 (listed as 4,096 before Opus 4.8; reference §2 history).
    minCacheableTokens: 2048,
    minCacheableKnown: true,
    // PR-Q glossary: "Claude 4.7 and later models … use a newer tokenizer".
    tokenizer: "claude-2026",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $5/$25, read $0.50", "PC-zh §缓存限制: minimum 2,048"],
    checked: CHECKED,
  },
  "claude-mythos-preview": {
    id: "claude-mythos-preview",
    aliases: [],
    displayName: "Claude Mythos Preview",
    // Third-party only (hadi.aboudaya.com, 2026-04); not in the current pricing table.
    inputPerMTok: 25,
    outputPerMTok: 125,
    // No cache prices are published (n/a in reference §7); 0.1x is the default multiplier.
    readMultiplier: 0.1,
    minCacheableTokens: 2048,
    minCacheableKnown: true,
    // PR-Q glossary: "… and Claude Mythos Preview use a newer tokenizer".
    tokenizer: "claude-2026",
    // Not stated for Mythos Preview; assumed, so US-geo estimates err high rather than low.
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "third-party",
    minimumConfidence: "official",
    sources: [
      "hadi.aboudaya.com 2026-04 (third-party): $25/$125, no cache prices",
      "PC-zh §缓存限制: minimum 2,048",
      'SDK-DEP 5: end-of-life "June 30th, 2026"',
    ],
    checked: CHECKED,
    notes:
      "Caching prices are not published; the read multiplier is the default 0.1x and writes use the standard 1.25x/2x. SDK end-of-life date 2026-06-30 has passed, yet the id is still in the SDK `Model` union. Whether the US-geo 1.1x applies is not stated (assumed yes).",
  },
  "claude-opus-4-6": {
    id: "claude-opus-4-6",
    aliases: [],
    displayName: "Claude Opus 4.6",
    inputPerMTok: 5,
    outputPerMTok: 25,
    readMultiplier: 0.1,
    minCacheableTokens: 4096,
    minCacheableKnown: true,
    tokenizer: "claude-legacy",
    // PR-Q data residency: "For Claude 4.6 and later models … 1.1x".
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $5/$25, read $0.50", "PC-zh §缓存限制: minimum 4,096"],
    checked: CHECKED,
  },
  "claude-sonnet-4-6": {
    id: "claude-sonnet-4-6",
    aliases: [],
    displayName: "Claude Sonnet 4.6",
    inputPerMTok: 3,
    outputPerMTok: 15,
    readMultiplier: 0.1,
    // PC-zh §缓存限制: 1,024 (docs.orq.ai briefly said 2,048; official wins, reference §2).
    minCacheableTokens: 1024,
    minCacheableKnown: true,
    // Reference §2 Tokenizer note: "Haiku 4.5 and Sonnet 4.6 use the old one".
    tokenizer: "claude-legacy",
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $3/$15, read $0.30", "PC-zh §缓存限制: minimum 1,024"],
    checked: CHECKED,
  },
  "claude-haiku-4-5": {
    id: "claude-haiku-4-5",
    aliases: ["claude-haiku-4-5-20251001"],
    displayName: "Claude Haiku 4.5",
    inputPerMTok: 1,
    outputPerMTok: 5,
    readMultiplier: 0.1,
    minCacheableTokens: 4096,
    minCacheableKnown: true,
    tokenizer: "claude-legacy",
    // 4.5 generation: the US-geo 1.1x is "for Claude 4.6 and later models" (PR-Q).
    usGeoMultiplierApplies: false,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $1/$5, read $0.10", "PC-zh §缓存限制: minimum 4,096"],
    checked: CHECKED,
  },
  "claude-opus-4-5": {
    id: "claude-opus-4-5",
    aliases: ["claude-opus-4-5-20251101"],
    displayName: "Claude Opus 4.5",
    inputPerMTok: 5,
    outputPerMTok: 25,
    readMultiplier: 0.1,
    minCacheableTokens: 4096,
    minCacheableKnown: true,
    tokenizer: "claude-legacy",
    usGeoMultiplierApplies: false,
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: ["PC-zh §定价: $5/$25, read $0.50", "PC-zh §缓存限制: minimum 4,096"],
    checked: CHECKED,
  },
  "claude-sonnet-4-5": {
    id: "claude-sonnet-4-5",
    aliases: ["claude-sonnet-4-5-20250929"],
    displayName: "Claude Sonnet 4.5",
    inputPerMTok: 3,
    outputPerMTok: 15,
    readMultiplier: 0.1,
    minCacheableTokens: 1024,
    minCacheableKnown: true,
    tokenizer: "claude-legacy",
    usGeoMultiplierApplies: false,
    // The old >200K tier ($6/$22.50) no longer applies: the 1M beta was retired on 2026-04-30
    // and requests over 200K now fail (reference §7).
    tiers: [],
    priceConfidence: "official",
    minimumConfidence: "official",
    sources: [
      "PC-zh §定价: $3/$15, read $0.30",
      "PC-zh §缓存限制: minimum 1,024",
      'SDK-DEP 6-7: end-of-life "November 30th, 2026"',
    ],
    checked: CHECKED,
    notes:
      "200K context only since 2026-04-30; the former >200K price tier no longer applies. SDK end-of-life 2026-11-30.",
  },
} satisfies Record<KnownModel, ModelInfo>;

function freezeRow(info: ModelInfo): ModelInfo {
  return Object.freeze({
    ...info,
    aliases: Object.freeze([...info.aliases]),
    tiers: Object.freeze(info.tiers.map((tier) => Object.freeze({ ...tier }))),
    sources: Object.freeze([...info.sources]),
  });
}

/** The built-in rows, keyed by canonical id. Frozen: extend or override through {@link createModelTable}. */
export const MODEL_TABLE: Readonly<Record<KnownModel, ModelInfo>> = Object.freeze(
  Object.fromEntries(KNOWN_MODELS.map((id) => [id, freezeRow(rows[id])])) as Record<
    KnownModel,
    ModelInfo
  >,
);

/** Narrows a string to a canonical built-in id (aliases are not canonical ids). */
export function isKnownModel(model: string): model is KnownModel {
  return Object.hasOwn(MODEL_TABLE, model);
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

/** Fields a user row must give when it adds a model that is not in the table. */
export const REQUIRED_NEW_MODEL_FIELDS = [
  "inputPerMTok",
  "outputPerMTok",
  "minCacheableTokens",
] as const satisfies readonly (keyof ModelInfo)[];

const CONFIDENCES: readonly Confidence[] = ["official", "secondary", "third-party", "unknown"];
const TOKENIZERS: readonly TokenizerFamily[] = ["claude-legacy", "claude-2026"];
const TIER_FIELDS = ["aboveInputTokens", "inputPerMTok", "outputPerMTok", "source"] as const;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const describeValue = (value: unknown): string => {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `a value of type ${typeof value}`;
};

const isNonNegativeNumber = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value) && value >= 0;

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

type FieldCheck = (value: unknown) => string | undefined;

const price: FieldCheck = (value) =>
  isNonNegativeNumber(value) ? undefined : "a finite number >= 0 (USD per million tokens)";

/** One check per `ModelInfo` field; a check returns what was expected, or `undefined` if valid. */
const FIELD_CHECKS: Record<keyof ModelInfo, FieldCheck> = {
  id: (v) => (typeof v === "string" && v !== "" ? undefined : "a non-empty string"),
  aliases: (v) =>
    isStringArray(v) && v.every((a) => a !== "") ? undefined : "an array of non-empty strings",
  displayName: (v) => (typeof v === "string" ? undefined : "a string"),
  inputPerMTok: price,
  outputPerMTok: price,
  readMultiplier: (v) =>
    isNonNegativeNumber(v) && v <= 1
      ? undefined
      : "a number between 0 and 1 (a multiple of base input, e.g. 0.1)",
  minCacheableTokens: (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= 1
      ? undefined
      : "a positive integer (tokens)",
  minCacheableKnown: (v) => (typeof v === "boolean" ? undefined : "a boolean"),
  tokenizer: (v) =>
    TOKENIZERS.includes(v as TokenizerFamily)
      ? undefined
      : `one of ${TOKENIZERS.map((t) => JSON.stringify(t)).join(", ")}`,
  usGeoMultiplierApplies: (v) => (typeof v === "boolean" ? undefined : "a boolean"),
  tiers: (v) => {
    const expected = `an array of {${TIER_FIELDS.join(", ")}} with numbers >= 0 and a string source`;
    if (!Array.isArray(v)) return expected;
    for (const tier of v) {
      if (
        !isPlainObject(tier) ||
        !isNonNegativeNumber(tier.aboveInputTokens) ||
        !isNonNegativeNumber(tier.inputPerMTok) ||
        !isNonNegativeNumber(tier.outputPerMTok) ||
        typeof tier.source !== "string" ||
        Object.keys(tier).some((key) => !(TIER_FIELDS as readonly string[]).includes(key))
      ) {
        return expected;
      }
    }
    return undefined;
  },
  priceConfidence: (v) =>
    CONFIDENCES.includes(v as Confidence)
      ? undefined
      : `one of ${CONFIDENCES.map((c) => JSON.stringify(c)).join(", ")}`,
  minimumConfidence: (v) =>
    CONFIDENCES.includes(v as Confidence)
      ? undefined
      : `one of ${CONFIDENCES.map((c) => JSON.stringify(c)).join(", ")}`,
  sources: (v) => (isStringArray(v) ? undefined : "an array of strings"),
  checked: (v) =>
    typeof v === "string" && (v === "" || /^\d{4}-\d{2}-\d{2}$/.test(v))
      ? undefined
      : 'an ISO date string "YYYY-MM-DD"',
  notes: (v) => (typeof v === "string" ? undefined : "a string"),
};

const FIELD_NAMES = Object.keys(FIELD_CHECKS) as (keyof ModelInfo)[];

/**
 * Checks one override row. Returns an error message naming the model and the field, or
 * `undefined` when the row is valid. `existing` is the row it merges onto, if the model is known.
 * A field whose value is `undefined` counts as absent.
 */
function checkOverrideRow(
  key: string,
  row: unknown,
  existing: ModelInfo | undefined,
): string | undefined {
  const where = `Model override ${JSON.stringify(key)}`;
  if (key === "") return "Model override keys must be non-empty model ids.";
  if (!isPlainObject(row)) {
    return `${where} must be an object of \`ModelInfo\` fields; got ${describeValue(row)}.`;
  }
  for (const [field, value] of Object.entries(row)) {
    if (!Object.hasOwn(FIELD_CHECKS, field)) {
      return `${where}: unknown field \`${field}\`. Expected one of: ${FIELD_NAMES.join(", ")}.`;
    }
    if (value === undefined) continue;
    const expected = FIELD_CHECKS[field as keyof ModelInfo](value);
    if (expected !== undefined) {
      return `${where}: \`${field}\` must be ${expected}; got ${describeValue(value)}.`;
    }
  }
  if (row.id !== undefined && row.id !== key && row.id !== existing?.id) {
    return `${where}: \`id\` must equal the key (or the canonical id it resolves to); got ${describeValue(row.id)}.`;
  }
  if (existing === undefined) {
    const missing = REQUIRED_NEW_MODEL_FIELDS.filter((field) => row[field] === undefined);
    if (missing.length > 0) {
      const required = REQUIRED_NEW_MODEL_FIELDS.map((field) => `\`${field}\``).join(", ");
      return `${where} adds a model that is not in the table, so it must give ${required}; missing ${missing.map((field) => `\`${field}\``).join(", ")}.`;
    }
  }
  return undefined;
}

/** Builds a row for a model the table does not know, filling the optional fields with defaults. */
function newRow(key: string, row: Partial<ModelInfo>): ModelInfo {
  const info: ModelInfo = {
    id: key,
    aliases: [],
    displayName: key,
    // Checked by checkOverrideRow before this is called.
    inputPerMTok: row.inputPerMTok as number,
    outputPerMTok: row.outputPerMTok as number,
    readMultiplier: DEFAULT_READ_MULTIPLIER,
    minCacheableTokens: row.minCacheableTokens as number,
    minCacheableKnown: true,
    // Unknown new models are most likely recent, and the newer tokenizer counts more tokens.
    tokenizer: "claude-2026",
    // Assume the 1.1x applies so US-geo estimates err high rather than low.
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "unknown",
    minimumConfidence: "unknown",
    sources: ["user override"],
    checked: "",
  };
  return { ...info, ...withoutUndefined(row), id: key };
}

function withoutUndefined(row: Partial<ModelInfo>): Partial<ModelInfo> {
  return Object.fromEntries(
    Object.entries(row).filter(([, value]) => value !== undefined),
  ) as Partial<ModelInfo>;
}

function mergeRow(base: ModelInfo, row: Partial<ModelInfo>): ModelInfo {
  const defined = withoutUndefined(row);
  const fields = Object.keys(defined);
  const merged: ModelInfo = { ...base, ...defined, id: base.id };
  if (defined.sources === undefined && fields.length > 0) {
    merged.sources = [...base.sources, `user override: ${fields.join(", ")}`];
  }
  return merged;
}

/**
 * The built-in table, optionally extended or overridden by user rows. A partial row merges onto
 * the model its key resolves to (a canonical id or an alias); a row for a new model must give at
 * least `inputPerMTok`, `outputPerMTok` and `minCacheableTokens`, and gets conservative defaults
 * for the rest (read 0.1x, `claude-2026` tokenizer, US-geo 1.1x applies, confidence `"unknown"`).
 * Overriding fields on an existing model keeps its confidence unless the row sets it, and adds a
 * `"user override: …"` entry to `sources` unless the row gives `sources`.
 *
 * @throws {TypeError} When a row is malformed, a new model misses a required field, or two rows
 * claim the same id or alias; the message names the model and the field.
 *
 * @example
 * ```ts
 * const table = createModelTable({ "my-proxy-model": { inputPerMTok: 1, outputPerMTok: 5, minCacheableTokens: 2048 } });
 * table.get("my-proxy-model")?.readMultiplier; // 0.1
 * ```
 */
export function createModelTable(
  overrides?: Readonly<Record<string, Partial<ModelInfo>>>,
): ModelTable {
  const byId = new Map<string, ModelInfo>(KNOWN_MODELS.map((id) => [id, MODEL_TABLE[id]]));
  const aliasToId = (index: ReadonlyMap<string, ModelInfo>): Map<string, string> => {
    const map = new Map<string, string>();
    for (const info of index.values()) {
      for (const alias of info.aliases) map.set(alias, info.id);
    }
    return map;
  };

  if (overrides !== undefined) {
    for (const [key, row] of Object.entries(overrides)) {
      const aliases = aliasToId(byId);
      const existing = byId.get(key) ?? byId.get(aliases.get(key) ?? "");
      const error = checkOverrideRow(key, row, existing);
      if (error !== undefined) throw new TypeError(error);
      const info = existing === undefined ? newRow(key, row) : mergeRow(existing, row);
      byId.set(info.id, info);
    }
  }

  const index = new Map<string, ModelInfo>();
  for (const info of byId.values()) {
    index.set(info.id, Object.isFrozen(info) ? info : freezeRow(info));
  }
  const ids = [...index.keys()];
  for (const id of ids) {
    const info = index.get(id) as ModelInfo;
    for (const alias of info.aliases) {
      const owner = index.get(alias);
      if (owner !== undefined && owner.id !== info.id) {
        throw new TypeError(
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

/** The built-in table with no overrides. */
export const defaultModelTable: ModelTable = createModelTable();

/**
 * Parses the content of a user JSON override file: an object keyed by model id (or alias) whose
 * values are partial {@link ModelInfo} rows. Checks every field's type and range, rejects unknown
 * fields (typos such as `inputPerMtok`), and requires `inputPerMTok`, `outputPerMTok` and
 * `minCacheableTokens` for a model the built-in table does not know.
 *
 * @returns `{ ok: true, value }` with fresh copies of the rows, or `{ ok: false, error }` with a
 * message naming the key and the field that is wrong and what is expected.
 */
export function parseModelOverrides(
  json: unknown,
): { ok: true; value: Record<string, Partial<ModelInfo>> } | { ok: false; error: string } {
  if (!isPlainObject(json)) {
    return {
      ok: false,
      error: `Model overrides must be a JSON object keyed by model id, e.g. {"claude-opus-4-6": {"inputPerMTok": 5}}; got ${describeValue(json)}.`,
    };
  }
  const value: Record<string, Partial<ModelInfo>> = {};
  for (const [key, row] of Object.entries(json)) {
    const error = checkOverrideRow(key, row, defaultModelTable.get(key));
    if (error !== undefined) return { ok: false, error };
    const copy = structuredClone(row) as Partial<ModelInfo>;
    // defineProperty, so a key such as "__proto__" stays an own key instead of a prototype.
    Object.defineProperty(value, key, {
      value: copy,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { ok: true, value };
}
