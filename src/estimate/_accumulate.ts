/**
 * Sums of per-request scenario costs and their rounding into public figures (internal).
 */
import { addTokens, TOKEN_KINDS, type TokenBreakdown, zeroTokens } from "../pricing/cost.js";
import { type EstimateFigures, SCENARIOS, type ScenarioCost, type ScenarioName } from "./types.js";

/** 1.96: the two-sided 95% quantile of the normal distribution. */
export const Z95 = 1.96;

interface ScenarioSum {
  tokens: TokenBreakdown;
  usdByKind: TokenBreakdown;
  low: number;
  high: number;
}

/** Running sums of one bucket (the job, a model, a group). */
export class Bucket {
  requests = 0;
  /** Requests whose unique tail was predicted rather than counted, and their summed predictors. */
  unsampled = 0;
  readonly predictors = [0, 0, 0];
  readonly scenarios: Record<ScenarioName, ScenarioSum>;

  constructor() {
    this.scenarios = Object.fromEntries(
      SCENARIOS.map((s) => [s, { tokens: zeroTokens(), usdByKind: zeroTokens(), low: 0, high: 0 }]),
    ) as Record<ScenarioName, ScenarioSum>;
  }

  /** Adds one request's scenario: its tokens and USD by kind, and its output USD at `max_tokens`. */
  add(
    scenario: ScenarioName,
    tokens: TokenBreakdown,
    usdByKind: TokenBreakdown,
    outputUsdAtMax: number,
  ): void {
    const sum = this.scenarios[scenario];
    addTokens(sum.tokens, tokens);
    addTokens(sum.usdByKind, usdByKind);
    const withoutOutput =
      usdByKind.input + usdByKind.cacheWrite5m + usdByKind.cacheWrite1h + usdByKind.cacheRead;
    sum.low += withoutOutput;
    sum.high += withoutOutput + outputUsdAtMax;
  }

  /** USD per uncached input token of a scenario (for turning a token margin into USD). */
  inputRate(scenario: ScenarioName): number {
    const sum = this.scenarios[scenario];
    return sum.tokens.input > 0 ? sum.usdByKind.input / sum.tokens.input : 0;
  }
}

/** USD rounded to 1e-10 (a tenth of a nano-dollar): clean JSON, no visible loss. */
export const roundUsd = (value: number) => Math.round(value * 1e10) / 1e10;
const round = (t: TokenBreakdown): TokenBreakdown => {
  const out = zeroTokens();
  for (const kind of TOKEN_KINDS) out[kind] = Math.round(t[kind]);
  return out;
};
const roundUsdByKind = (t: TokenBreakdown): TokenBreakdown => {
  const out = zeroTokens();
  for (const kind of TOKEN_KINDS) out[kind] = roundUsd(t[kind]);
  return out;
};

/**
 * Public figures of a bucket. `variance` is the variance of its input tokens from sampling;
 * `usdMargin` gives the 95% USD half-width per scenario.
 */
export function figures(
  bucket: Bucket,
  variance: number,
  usdMargin: (scenario: ScenarioName) => number,
): EstimateFigures {
  const scenarios = {} as Record<ScenarioName, ScenarioCost>;
  for (const name of SCENARIOS) {
    const sum = bucket.scenarios[name];
    const k = sum.usdByKind;
    scenarios[name] = {
      usd: roundUsd(k.input + k.cacheWrite5m + k.cacheWrite1h + k.cacheRead + k.output),
      tokens: round(sum.tokens),
      usdByKind: roundUsdByKind(k),
      usdRange: { low: roundUsd(sum.low), high: roundUsd(sum.high) },
      usdMargin95: roundUsd(usdMargin(name)),
    };
  }
  return {
    requests: bucket.requests,
    scenarios,
    plannedRange: null,
    inputTokensMargin95: Math.round(Z95 * Math.sqrt(variance)),
  };
}
