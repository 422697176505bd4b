/**
 * Public types of `report()`. The JSON contract of `cacheplan report --format json` is the shape of
 * {@link Report}: `overall.{requests.{succeeded, errored, canceled, expired, missing}, tokens.{input,
 * cacheWrite5m, cacheWrite1h, cacheRead, output}, hitRate, usd}` and `groups[].{id, requests,
 * tokens, hitRate, usd}`; every other field is extra.
 */
import type { Estimate } from "../estimate/types.js";
import type { TokenBreakdown } from "../pricing/cost.js";
import type { ModelTable } from "../pricing/models.js";
import type { Plan } from "../types.js";
import type { Attribution } from "./attribution.js";
import type { ReportProblem } from "./problems.js";

/**
 * What `report()` reads: batch result lines, one per request, in any order. Each item is one of
 * - a `MessageBatchIndividualResponse` object, as `client.messages.batches.results()` yields it;
 * - a `JsonlLine` from `readJsonl()`, so that a problem names the file and line it came from;
 * - a string holding one JSON line.
 *
 * A plain iterable or an async iterable; it is read once, line by line, and never held whole.
 */
export type ReportInput = Iterable<unknown> | AsyncIterable<unknown>;

/** Options of `report()`. Every field is optional. */
export interface ReportOptions {
  /**
   * The plan the results belong to. With it, the report has groups, waves, batches, missing
   * requests and miss attribution, and a result whose `custom_id` is not in the plan is a problem.
   * Without it, the report has totals per model only.
   * @default undefined
   */
  plan?: Plan;
  /**
   * The plan's estimate (from `estimate(plan)`), to compare against: the `planned` and `ideal`
   * figures, the variance in USD, and the per-model calibration. Needs `plan`.
   * @default undefined (no comparison with the estimate)
   */
  estimate?: Estimate;
  /** Model table: prices, read multipliers, tiers, minimum cacheable tokens. @default defaultModelTable */
  models?: ModelTable;
}

/** Requests by what became of them. Every planned request is in exactly one count. */
export interface RequestCounts {
  /** Results of type `succeeded` (the only billed ones, reference §5.4). */
  succeeded: number;
  /** Results of type `errored` (not billed); by error type in `errors`. */
  errored: number;
  /** Results of type `canceled` (not billed). */
  canceled: number;
  /** Results of type `expired` (not billed). */
  expired: number;
  /** Planned requests with no result line at all; 0 without a plan. */
  missing: number;
}

/** The hit rates of a report, by name; {@link HIT_RATE_DEFINITIONS} defines each. */
export type HitRateName = "hitRate" | "cacheableHitRate" | "requestHitRate" | "writesPerGroup";

/** What each hit rate measures, as the report prints it (and the README repeats it). */
export const HIT_RATE_DEFINITIONS: Readonly<Record<HitRateName, string>> = Object.freeze({
  hitRate:
    "share of input tokens read from cache: cache_read / (cache_read + cache_creation + input_tokens)",
  cacheableHitRate:
    "share of cacheable tokens read: cache_read / (cache_read + cache_creation); input_tokens after the last breakpoint cannot be cached",
  requestHitRate: "share of succeeded requests that read anything from cache",
  writesPerGroup:
    "requests that wrote to the cache, per planned group (ideal: 1; one per distinct deepest entry when a group has nested breakpoints)",
});

/** USD of the actual tokens, and what the same tokens would cost without caching. */
export interface CostFigures {
  /** USD billed, from each succeeded request's `usage` (batch price when `service_tier` is `"batch"`). */
  actual: number;
  /** USD of the same requests with every input token uncached, on the Messages API. */
  standard: number;
  /** USD of the same requests with every input token uncached, on the Batches API. */
  batch: number;
}

/** A scenario of the estimate, for the requests a figure covers. */
export interface EstimatedScenario {
  /** USD the estimate gives these requests. */
  usd: number;
  /** The estimate's hit rate (`read / (read + creation + input)`) for these requests. */
  hitRate: number;
  /**
   * The scenario at the actual token counts: its input-side USD scaled by actual ÷ estimated
   * input tokens, plus the actual output USD. Compare this with `CostFigures.actual`: only the
   * caching differs.
   */
  usdAtActualTokens: number;
}

/**
 * The figures against the plan's estimate. The estimate gives per-group and per-model figures;
 * each succeeded request is credited with its group's mean (or, outside groups, its model's), so
 * any subset (a wave, a batch, the requests that succeeded) can be compared.
 */
export interface EstimateComparison {
  /** Succeeded requests compared. */
  requests: number;
  /** Input tokens the estimate gives these requests (input + cache writes + cache reads). */
  estimatedInputTokens: number;
  /** Input tokens they actually had (`input_tokens + cache_creation_input_tokens + cache_read_input_tokens`, fact 17). */
  actualInputTokens: number;
  /** The estimate's `planned` scenario. */
  planned: EstimatedScenario;
  /** The estimate's `ideal` scenario: each entry written once, read by every other request. */
  ideal: EstimatedScenario;
  /** Actual USD minus planned USD, as estimated (a positive value cost more than planned). */
  varianceUsd: number;
  /** `varianceUsd` as a percentage of planned USD; `null` when planned USD is 0. */
  variancePercent: number | null;
  /** `varianceUsd` by token kind: where the difference comes from (output is an assumption). */
  varianceByKind: TokenBreakdown;
  /** Achieved hit rate ÷ the ideal hit rate; `null` when the ideal reads nothing. */
  hitRateOverIdeal: number | null;
  /**
   * Share of the ideal saving achieved: (batch − actual) ÷ (batch − ideal at actual tokens);
   * `null` when the ideal saves less than 0.1% of batch. 1 is ideal, 0 is no better than no caching, below 0 is
   * worse than no caching.
   */
  savingOverIdeal: number | null;
}

/** The usage figures of a set of requests: the whole job, a model, a wave, a batch. */
export interface ReportFigures {
  /** Requests by result type, and missing. */
  requests: RequestCounts;
  /** `errored` results by error type, e.g. `{ "overloaded_error": 2 }`. */
  errors: Record<string, number>;
  /** Tokens by kind over succeeded requests. `input` is only the uncached tail (fact 17). */
  tokens: TokenBreakdown;
  /** Share of input tokens read from cache; see {@link HIT_RATE_DEFINITIONS}. 0 with no input. */
  hitRate: number;
  /** Share of cacheable tokens read; `null` when nothing was read or written. */
  cacheableHitRate: number | null;
  /** Share of succeeded requests with any read; `null` when none succeeded. */
  requestHitRate: number | null;
  /** Succeeded requests that read anything from cache. */
  requestsWithReads: number;
  /** Succeeded requests that wrote anything to cache. */
  requestsWithWrites: number;
  /** USD billed: `cost.actual`. */
  usd: number;
  /** USD billed, by token kind (sums to `usd`). */
  usdByKind: TokenBreakdown;
  /** USD billed and the no-caching alternatives at the same tokens. */
  cost: CostFigures;
  /**
   * Against the estimate; `null` without one, and always `null` for waves and batches: the
   * estimate spreads each entry's write over its group's requests, so it has no per-wave figures.
   */
  vsEstimate: EstimateComparison | null;
}

/** Figures of one planned group, with why its requests missed. */
export interface GroupReport extends Omit<ReportFigures, "requests"> {
  /** The group's id in the plan, e.g. `"g1"`. */
  id: string;
  /** The group's model. */
  model: string;
  /** Requests in the group, as planned. */
  requests: number;
  /** The group's requests by result type, and missing. */
  counts: RequestCounts;
  /** `"primed"` (written by a primer in an earlier wave) or `"cold"`, from its top breakpoint. */
  mode: "primed" | "cold";
  /** TTL of its top breakpoint. */
  ttl: "5m" | "1h";
  /** Requests that wrote, against the ideal (one per distinct deepest entry; usually 1). */
  writes: { actual: number; ideal: number };
  /** What the group's succeeded requests did with the cache, and why the misses missed. */
  attribution: Attribution[];
}

/** Figures of one model. */
export interface ModelReport extends ReportFigures {
  /**
   * The model id, as the plan's requests give it (or the response's, without a plan; `"(no model)"`
   * for results without a plan that name none, such as errored ones).
   */
  model: string;
}

/** Figures of one wave. */
export interface WaveReport extends ReportFigures {
  /** The wave, as in the plan (0 = primers). */
  wave: number;
  /** Indexes of its batches in the plan. */
  batches: number[];
}

/** Figures of one batch. */
export interface BatchReport extends ReportFigures {
  /** Index of the batch in the plan. */
  index: number;
  /** Its wave. */
  wave: number;
}

/** Measured ÷ estimated input tokens of one model, for the next estimate. */
export interface CalibrationEntry {
  /** Succeeded requests measured. */
  requests: number;
  /** Their actual input tokens (`input_tokens + cache_creation_input_tokens + cache_read_input_tokens`). */
  actualInputTokens: number;
  /** The estimate's input tokens for the same requests. */
  estimatedInputTokens: number;
  /** `actualInputTokens / estimatedInputTokens`: multiply an estimate's token counts by it. */
  factor: number;
}

/**
 * Per-model token calibration; `report --write-calibration file` writes exactly this as JSON:
 *
 * ```json
 * { "version": 1, "counter": "tiktoken-estimate",
 *   "models": { "claude-opus-5-5": { "requests": 14, "actualInputTokens": 16210,
 *     "estimatedInputTokens": 15540, "factor": 1.0431 } } }
 * ```
 */
export interface Calibration {
  /** Format version. */
  version: 1;
  /** The counter whose estimate was measured (`Estimate.counter`); a factor applies to it only. */
  counter: string;
  /** One entry per model with at least one succeeded request. */
  models: Record<string, CalibrationEntry>;
}

/** The report's one-line answer to "did caching work?". */
export interface Verdict {
  /**
   * - `"worked"`: at least 80% of the ideal hit rate (or, without an estimate, of cacheable tokens read).
   * - `"partly-worked"`: from 30% to 80%.
   * - `"did-not-work"`: below 30%.
   * - `"no-caching"`: nothing was planned or marked to be cached.
   * - `"no-results"`: no succeeded request to judge by.
   */
  kind: "worked" | "partly-worked" | "did-not-work" | "no-caching" | "no-results";
  /** The verdict as a sentence, prefixed with "Incomplete results" when there are problems. */
  text: string;
}

/** The result of `report()`. */
export interface Report {
  /** Report format version. */
  version: 1;
  /** True when every line was usable and every planned request has a result (`problems` is empty). */
  complete: boolean;
  /** Did caching work, in a line. */
  verdict: Verdict;
  /** Figures of every result matched (with a plan: every result of a planned request). */
  overall: ReportFigures;
  /** Per planned group, in plan order; `[]` without a plan. */
  groups: GroupReport[];
  /** Planned requests in no group; `null` without a plan. */
  ungrouped: ReportFigures | null;
  /** Per model, sorted by id. */
  models: ModelReport[];
  /** Per wave, ascending; `[]` without a plan. */
  waves: WaveReport[];
  /** Per batch, in plan order; `[]` without a plan. */
  batches: BatchReport[];
  /** Writes per group over the groups with a succeeded request; `null` without groups. */
  writesPerGroup: { groups: number; actual: number; ideal: number } | null;
  /** Measured ÷ estimated input tokens per model; `null` without an estimate. */
  calibration: Calibration | null;
  /** Bad or missing input; non-empty makes the report partial (and the CLI exit 1). */
  problems: ReportProblem[];
  /** What a reader should know: assumptions and caveats, as sentences. */
  notes: string[];
  /** The hit rates' definitions (the same as {@link HIT_RATE_DEFINITIONS}). */
  definitions: Record<HitRateName, string>;
  /** Result lines read (blank lines excluded). */
  lines: number;
}
