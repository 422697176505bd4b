/**
 * `estimate()`'s options with their defaults applied and checked (internal); an option out of
 * range throws `OptionsError` naming it.
 */
import { OptionsError } from "../errors.js";
import { defaultModelTable, type ModelTable } from "../pricing/models.js";
import type { TokenCounter } from "../tokens/counter.js";
import { createTiktokenCounter } from "../tokens/tiktoken.js";
import { wholeNumber } from "../util/options.js";
import type { EstimateOptions, EstimateOutputAssumption } from "./types.js";

/** Default output assumption: half of each request's `max_tokens` (the middle of the range). */
export const DEFAULT_OUTPUT_FRACTION = 0.5;
/** Default most requests per model whose unique tails are tokenized in `"sampled"` mode. */
export const DEFAULT_SAMPLE_SIZE = 1000;

/** The options `estimate()` works with. */
export interface EstimateSettings {
  models: ModelTable;
  counter: TokenCounter;
  /** How unique tails are counted. */
  mode: "sampled" | "full";
  sampleSize: number;
  seed: number;
  output: EstimateOutputAssumption;
  plannedModel: "simulate" | "expected";
}

/** Applies defaults and checks ranges. */
export function resolveEstimateOptions(options: EstimateOptions): EstimateSettings {
  const models = options.models ?? defaultModelTable;
  const counter: TokenCounter = options.counter ?? createTiktokenCounter({ models });
  const mode = options.count ?? (counter.estimated ? "sampled" : "full");
  if (mode !== "sampled" && mode !== "full")
    throw new OptionsError(`\`count\` must be "sampled" or "full"; got ${JSON.stringify(mode)}.`);
  const sampleSize = wholeNumber("sampleSize", options.sampleSize, DEFAULT_SAMPLE_SIZE, 2);
  const seed = wholeNumber("seed", options.seed, 1, 0);
  const output = resolveOutput(options);
  const plannedModel = options.plannedModel ?? "simulate";
  if (plannedModel !== "simulate" && plannedModel !== "expected")
    throw new OptionsError(
      `\`plannedModel\` must be "simulate" or "expected"; got ${JSON.stringify(plannedModel)}.`,
    );
  return { models, counter, mode, sampleSize, seed, output, plannedModel };
}

function resolveOutput(options: EstimateOptions): EstimateOutputAssumption {
  const { outputTokens, outputFraction } = options;
  if (outputTokens !== undefined && outputFraction !== undefined)
    throw new OptionsError("Give `outputTokens` or `outputFraction`, not both.");
  if (outputTokens !== undefined) {
    if (!Number.isFinite(outputTokens) || outputTokens < 0)
      throw new OptionsError(
        `\`outputTokens\` must be a number >= 0; got ${String(outputTokens)}.`,
      );
    return { kind: "tokens", tokens: outputTokens };
  }
  const fraction = outputFraction ?? DEFAULT_OUTPUT_FRACTION;
  if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1)
    throw new OptionsError(`\`outputFraction\` must be from 0 to 1; got ${String(fraction)}.`);
  return { kind: "fraction", fraction };
}
