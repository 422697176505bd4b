/**
 * The Anthropic API's model rows: list prices, cache read multipliers, minimum cacheable prefix
 * lengths, tokenizer families, each dated and sourced. This is the only place in cacheplan that
 * states an Anthropic price or minimum; every other module reads them from a `ModelTable`.
 *
 * Source keys in comments (PC-zh, PR-Q, Q-MIN, H55, F52, SDK-M, …) refer to the source key
 * table of `shared/reference/anthropic-caching-and-batches.md` (state as of 2026-11-22), §2
 * (minimums), §3 (read multipliers) and §7 (prices).
 */
import type Anthropic from "@anthropic-ai/sdk";
import { freezeRow, type ModelInfo } from "../../pricing/model-table.js";

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

/** The built-in rows, keyed by canonical id. Frozen: extend or override through `createModelTable()`. */
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
