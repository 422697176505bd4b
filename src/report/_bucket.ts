/**
 * A running sum of results (internal): one per figure the report shows (overall, model, group,
 * wave, batch), so the results stream through in one pass and are never held.
 */
import { addTokens, type TokenBreakdown, totalInputTokens, zeroTokens } from "../pricing/cost.js";
import type { Expected, ScenarioShare } from "./_expected.js";
import type {
  EstimateComparison,
  EstimatedScenario,
  ReportFigures,
  RequestCounts,
} from "./types.js";

/** USD of one succeeded request: billed by kind, and the no-caching alternatives. */
export interface RequestCost {
  usdByKind: TokenBreakdown;
  standard: number;
  batch: number;
}

const sum = (t: TokenBreakdown) =>
  t.input + t.cacheWrite5m + t.cacheWrite1h + t.cacheRead + t.output;

function share(): ScenarioShare {
  return { tokens: zeroTokens(), usdByKind: zeroTokens() };
}

export class Bucket {
  readonly counts: RequestCounts = {
    succeeded: 0,
    errored: 0,
    canceled: 0,
    expired: 0,
    missing: 0,
  };
  readonly errors = new Map<string, number>();
  readonly tokens = zeroTokens();
  readonly usdByKind = zeroTokens();
  standard = 0;
  batch = 0;
  withReads = 0;
  withWrites = 0;
  /** Succeeded requests the estimate has a figure for, and their actual side. */
  readonly compared = { requests: 0, tokens: zeroTokens(), usdByKind: zeroTokens(), batch: 0 };
  readonly planned = share();
  readonly ideal = share();

  succeeded(tokens: TokenBreakdown, cost: RequestCost | undefined, expected?: Expected): void {
    this.counts.succeeded += 1;
    addTokens(this.tokens, tokens);
    if (tokens.cacheRead > 0) this.withReads += 1;
    if (tokens.cacheWrite5m + tokens.cacheWrite1h > 0) this.withWrites += 1;
    if (cost === undefined) return;
    addTokens(this.usdByKind, cost.usdByKind);
    this.standard += cost.standard;
    this.batch += cost.batch;
    if (expected === undefined) return;
    this.compared.requests += 1;
    addTokens(this.compared.tokens, tokens);
    addTokens(this.compared.usdByKind, cost.usdByKind);
    this.compared.batch += cost.batch;
    this.expect(expected);
  }

  /** Adds to what the estimate expects of this bucket's requests. */
  expect(expected: Expected): void {
    for (const s of ["planned", "ideal"] as const) {
      addTokens(this[s].tokens, expected[s].tokens);
      addTokens(this[s].usdByKind, expected[s].usdByKind);
    }
  }

  errored(errorType: string): void {
    this.counts.errored += 1;
    this.errors.set(errorType, (this.errors.get(errorType) ?? 0) + 1);
  }

  /** `figures` with the comparison only when `withEstimate`. */
  figures(withEstimate: boolean): ReportFigures {
    const t = this.tokens;
    const input = totalInputTokens(t);
    const cacheable = t.cacheRead + t.cacheWrite5m + t.cacheWrite1h;
    const usd = sum(this.usdByKind);
    return {
      requests: { ...this.counts },
      errors: Object.fromEntries([...this.errors].sort(([a], [b]) => a.localeCompare(b))),
      tokens: { ...t },
      hitRate: input > 0 ? t.cacheRead / input : 0,
      cacheableHitRate: cacheable > 0 ? t.cacheRead / cacheable : null,
      requestHitRate: this.counts.succeeded > 0 ? this.withReads / this.counts.succeeded : null,
      requestsWithReads: this.withReads,
      requestsWithWrites: this.withWrites,
      usd,
      usdByKind: { ...this.usdByKind },
      cost: { actual: usd, standard: this.standard, batch: this.batch },
      vsEstimate: withEstimate ? this.comparison() : null,
    };
  }

  /** Input tokens the estimate gives the compared requests, and their actual input tokens. */
  inputTokens(): { estimated: number; actual: number } {
    return {
      estimated: totalInputTokens(this.planned.tokens),
      actual: totalInputTokens(this.compared.tokens),
    };
  }

  private comparison(): EstimateComparison | null {
    const c = this.compared;
    if (c.requests === 0) return null;
    const { estimated, actual } = this.inputTokens();
    const factor = estimated > 0 ? actual / estimated : 1;
    const actualUsd = sum(c.usdByKind);
    const scenario = (s: ScenarioShare): EstimatedScenario => {
      const usd = sum(s.usdByKind);
      const input = totalInputTokens(s.tokens);
      return {
        usd,
        hitRate: input > 0 ? s.tokens.cacheRead / input : 0,
        usdAtActualTokens: (usd - s.usdByKind.output) * factor + c.usdByKind.output,
      };
    };
    const planned = scenario(this.planned);
    const ideal = scenario(this.ideal);
    const achieved = actual > 0 ? c.tokens.cacheRead / actual : 0;
    const idealSaving = c.batch - ideal.usdAtActualTokens;
    return {
      requests: c.requests,
      estimatedInputTokens: estimated,
      actualInputTokens: actual,
      planned,
      ideal,
      varianceUsd: actualUsd - planned.usd,
      variancePercent: planned.usd > 0 ? ((actualUsd - planned.usd) / planned.usd) * 100 : null,
      varianceByKind: addTokens({ ...c.usdByKind }, this.planned.usdByKind, -1),
      hitRateOverIdeal: ideal.hitRate > 0 ? achieved / ideal.hitRate : null,
      // Below 0.1% of the batch cost the ideal saves nothing worth a ratio.
      savingOverIdeal: idealSaving > c.batch * 1e-3 ? (c.batch - actualUsd) / idealSaving : null,
    };
  }
}
