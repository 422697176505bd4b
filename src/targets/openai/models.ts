/**
 * Built-in model rows of the OpenAI target: standard (non-batch) USD per million tokens; the batch
 * discount (0.5×) and the cache factors are applied by the cost arithmetic. Each row is dated and
 * sourced. Reference: other-batch-systems.md §4.6 and its source key.
 *
 * Why these rows are kept here rather than taken from `@pydantic/genai-prices`: a plan and an
 * estimate must be deterministic and offline (a price library that updates itself would change an
 * estimate between two runs of the same input), and the batch-specific facts this target needs
 * (cached batch rate = 0.5 × standard cached, the 1.25× write of GPT-5.6+, the 272K long-context
 * tier, "no batch caching before GPT-5") are not all in that library's schema. Users can still
 * override any row with `--models` (the same override file as for Anthropic).
 */
import type { ModelInfo, PriceTier } from "../../pricing/model-table.js";
import { MIN_CACHEABLE_TOKENS } from "./caching.js";

/** Above this many prompt tokens a request is priced at the long-context tier (LL-39861: "above 272K"). */
export const LONG_CONTEXT_TOKENS = 272_000;

interface RowFacts {
  id: string;
  displayName: string;
  input: number;
  output: number;
  /** Standard cached-input price; the read multiplier is cached / input. */
  cached: number;
  /** Long-context standard prices above 272K prompt tokens, when the source gives them. */
  long?: { input: number; output: number; source: string };
  sources: string[];
  checked: string;
  confidence: ModelInfo["priceConfidence"];
  aliases?: string[];
  notes?: string;
}

function row(f: RowFacts): ModelInfo {
  const tiers: PriceTier[] = f.long
    ? [
        {
          aboveInputTokens: LONG_CONTEXT_TOKENS,
          inputPerMTok: f.long.input,
          outputPerMTok: f.long.output,
          source: f.long.source,
        },
      ]
    : [];
  return {
    id: f.id,
    aliases: f.aliases ?? [],
    displayName: f.displayName,
    inputPerMTok: f.input,
    outputPerMTok: f.output,
    readMultiplier: f.input > 0 ? Math.round((f.cached / f.input) * 1e6) / 1e6 : 0.1,
    minCacheableTokens: MIN_CACHEABLE_TOKENS,
    minCacheableKnown: true,
    tokenizer: "o200k",
    usGeoMultiplierApplies: false,
    tiers,
    priceConfidence: f.confidence,
    minimumConfidence: "official",
    sources: f.sources,
    checked: f.checked,
    ...(f.notes ? { notes: f.notes } : {}),
  };
}

const OA_PRICING_2025 =
  "openai.com/api/pricing (2025-08, standard tier), as quoted in deepeval PR #2950 for 4o/4.1";

/** The rows, keyed by canonical id. */
export const MODEL_TABLE: Readonly<Record<string, ModelInfo>> = Object.freeze(
  Object.fromEntries(
    [
      row({
        id: "gpt-5.6-luna",
        displayName: "GPT-5.6 Luna",
        input: 0.2,
        output: 1.2,
        cached: 0.02,
        long: {
          input: 0.4,
          output: 1.8,
          source: "LL-39861: batch $0.20/$0.90 above 272K = 0.5 × standard",
        },
        sources: [
          "LL-39861 (2026-09-05): batch input $0.10, output $0.60, cached $0.01, write $0.125 per MTok up to 272K",
          "LL-35270 (2026-07-31): standard input $0.20, cached $0.02, write $0.25 after the GPT-5.6 price cut",
        ],
        checked: "2026-09-05",
        confidence: "secondary",
        notes: "explicit breakpoints (GPT-5.6+): writes 1.25× input",
      }),
      row({
        id: "gpt-5",
        displayName: "GPT-5",
        input: 1.25,
        output: 10,
        cached: 0.125,
        aliases: ["gpt-5-2025-08-07"],
        sources: [
          `${OA_PRICING_2025}: $1.25 / $10, cached $0.125`,
          "OA-CB: gpt-5.x cached input 90% off",
        ],
        checked: "2025-08-07",
        confidence: "third-party",
        notes:
          "automatic caching; no write fee. Price recalled from the launch page, not re-checked in 2026.",
      }),
      row({
        id: "gpt-5-mini",
        displayName: "GPT-5 mini",
        input: 0.25,
        output: 2,
        cached: 0.025,
        aliases: ["gpt-5-mini-2025-08-07"],
        sources: [`${OA_PRICING_2025}: $0.25 / $2, cached $0.025`],
        checked: "2025-08-07",
        confidence: "third-party",
        notes: "automatic caching; no write fee",
      }),
      row({
        id: "gpt-5-nano",
        displayName: "GPT-5 nano",
        input: 0.05,
        output: 0.4,
        cached: 0.005,
        aliases: ["gpt-5-nano-2025-08-07"],
        sources: [`${OA_PRICING_2025}: $0.05 / $0.40, cached $0.005`],
        checked: "2025-08-07",
        confidence: "third-party",
        notes: "automatic caching; no write fee",
      }),
      row({
        id: "gpt-4.1",
        displayName: "GPT-4.1",
        input: 2,
        output: 8,
        cached: 0.5,
        sources: [`${OA_PRICING_2025}: $2 / $8, cached $0.50`],
        checked: "2026-07-24",
        confidence: "secondary",
        notes: "no caching on the Batch API (pre-GPT-5, OA-CB)",
      }),
      row({
        id: "gpt-4o",
        displayName: "GPT-4o",
        input: 2.5,
        output: 10,
        cached: 1.25,
        sources: [`${OA_PRICING_2025}: $2.50 / $10, cached $1.25`],
        checked: "2026-07-24",
        confidence: "secondary",
        notes: "no caching on the Batch API (pre-GPT-5, OA-CB)",
      }),
      row({
        id: "gpt-4o-mini",
        displayName: "GPT-4o mini",
        input: 0.15,
        output: 0.6,
        cached: 0.075,
        sources: [`${OA_PRICING_2025}: $0.15 / $0.60, cached $0.075`],
        checked: "2026-07-24",
        confidence: "secondary",
        notes: "no caching on the Batch API (pre-GPT-5, OA-CB)",
      }),
    ].map((r) => [r.id, Object.freeze(r)]),
  ),
);
