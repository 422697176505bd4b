/**
 * The one policy for a model the model table does not know, used by plan, estimate, report, the
 * simulator and the token counters alike:
 *
 * - its cache facts fall back to safe stand-ins: the largest documented minimum cacheable prefix
 *   (so nothing too short is ever marked), the default read multiplier, and the newer tokenizer
 *   (which counts more tokens, so prefixes are not overestimated as cacheable);
 * - it has **no price**: no figure is made up. Every command says so with the same `unknown-model`
 *   finding (the model and its request count) and the same advice, and leaves its USD out of
 *   every total rather than showing it as $0.
 */
import { CONSERVATIVE_MIN_CACHEABLE_TOKENS } from "../targets/anthropic/caching.js";
import { DEFAULT_READ_MULTIPLIER } from "../targets/anthropic/prices.js";
import type { ModelInfo, ModelTable, TokenizerFamily } from "./model-table.js";

/** Tokenizer assumed for a model the table does not know: the newer one (reference fact 5). */
export const UNKNOWN_MODEL_TOKENIZER: TokenizerFamily = "claude-2026";

/** The advice every command gives for a model without a row. */
export const UNKNOWN_MODEL_ADVICE =
  "Supply its prices and minimum with `--models file.json` (`models: createModelTable({...})`).";

/**
 * The stand-in row of a model the table does not know: conservative cache facts and prices of
 * zero, marked `priceConfidence: "unknown"`. Its USD must never be shown as a price: callers
 * check `known` from {@link rowOf} and leave it out.
 */
export function unknownModelRow(model: string): ModelInfo {
  return {
    id: model,
    aliases: [],
    displayName: model,
    inputPerMTok: 0,
    outputPerMTok: 0,
    readMultiplier: DEFAULT_READ_MULTIPLIER,
    minCacheableTokens: CONSERVATIVE_MIN_CACHEABLE_TOKENS,
    minCacheableKnown: false,
    tokenizer: UNKNOWN_MODEL_TOKENIZER,
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "unknown",
    minimumConfidence: "unknown",
    sources: ["not in the model table"],
    checked: "",
  };
}

/** A model's row, or the stand-in row when the table does not know it (`known: false`). */
export function rowOf(models: ModelTable, model: string): { info: ModelInfo; known: boolean } {
  const info = models.get(model);
  return info === undefined
    ? { info: unknownModelRow(model), known: false }
    : { info, known: true };
}

/**
 * One sentence on models without prices: which, how many requests, that their USD is left out,
 * and how to supply a row (with an example and the required fields).
 */
export function unknownModelMessage(models: ReadonlyMap<string, number>): string {
  const list = [...models].map(([m, n]) => `\`${m}\` (${n} request${n === 1 ? "" : "s"})`);
  const example = JSON.stringify({
    [[...models.keys()][0] ?? "my-model"]: {
      inputPerMTok: 3,
      outputPerMTok: 15,
      minCacheableTokens: 1024,
    },
  });
  return `No prices for ${list.join(", ")}: not in the model table, so their USD is left out of every total (never priced at zero). Supply the prices with \`--models file.json\` (or \`models: createModelTable({...})\`), e.g. ${example}; required fields: \`inputPerMTok\`, \`outputPerMTok\` (USD per million tokens), \`minCacheableTokens\`; optional: \`readMultiplier\` (default 0.1), \`tiers\`, \`usGeoMultiplierApplies\` (default true), \`tokenizer\`.`;
}
