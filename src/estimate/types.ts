/**
 * Public types of `estimate()`. The JSON contract of `cacheplan estimate --json` is the shape of
 * {@link Estimate}: `counter`, `byModel.<model>.scenarios.<name>.{usd, tokens}` and
 * `total.scenarios.<name>.{usd, tokens}`; every other field is extra.
 */

import type { TokenBreakdown } from "../pricing/cost.js";
import type { Confidence, ModelTable } from "../pricing/models.js";
import type { SimParams } from "../sim/params.js";
import type { TokenCounter } from "../tokens/counter.js";

/** The scenarios of an estimate, in display order. */
export const SCENARIOS = ["standard", "batch", "ideal", "planned", "worst"] as const;

/**
 * One way of sending the job:
 * - `"standard"`: the Messages API, no caching.
 * - `"batch"`: the Batches API, no caching.
 * - `"ideal"`: batch, the plan's breakpoints, each entry written exactly once and read by every
 *   other request that carries it.
 * - `"planned"`: batch, the plan's breakpoints with the writes and reads of a simulated run of the
 *   plan (`simulate()`, see `EstimateOptions.plannedModel`), or with the writes and reads the plan
 *   expects (`PlannedBreakpoint.expectedWrites` / `expectedReads`) under
 *   `plannedModel: "expected"`.
 * - `"worst"`: batch, every request writes all its breakpoints and nothing is read.
 */
export type ScenarioName = (typeof SCENARIOS)[number];

/** How many output tokens each request is assumed to produce. */
export type EstimateOutputAssumption =
  | {
      /** A fixed number of output tokens per request, capped at the request's `max_tokens`. */
      kind: "tokens";
      /** Output tokens per request. */
      tokens: number;
    }
  | {
      /** A fraction of each request's `max_tokens`. */
      kind: "fraction";
      /** The fraction, from 0 to 1. */
      fraction: number;
    };

/** Options of `estimate()`. Every field is optional. */
export interface EstimateOptions {
  /**
   * Token counter for the unique tails of the requests (and for the shared prefixes when it is
   * not the counter the plan was made with, or when it counts prefixes exactly, like
   * `createExactCounter()`).
   * @default createTiktokenCounter({ models })
   */
  counter?: TokenCounter;
  /** Model table: prices, read multipliers, tiers. @default defaultModelTable */
  models?: ModelTable;
  /**
   * How the unique tails are counted: `"sampled"` tokenizes a seeded sample of up to `sampleSize`
   * requests per model and extrapolates chars per token per content kind to the rest, with a 95%
   * interval; `"full"` counts every one.
   * @default "sampled" for an estimating counter, "full" for one that is not (the API's counts)
   */
  count?: "sampled" | "full";
  /**
   * Most requests per model whose unique tails are tokenized in `"sampled"` mode. A model with
   * fewer requests is counted in full.
   * @default 1000
   */
  sampleSize?: number;
  /** Seed of the sample. @default 1 */
  seed?: number;
  /**
   * Output tokens per request, capped at its `max_tokens`. Give this or `outputFraction`, not both.
   * @default undefined (see `outputFraction`)
   */
  outputTokens?: number;
  /**
   * Output tokens per request as a fraction of its `max_tokens`, from 0 to 1.
   * @default 0.5
   */
  outputFraction?: number;
  /**
   * Where the `planned` scenario's writes and reads come from:
   * - `"simulate"`: the plan runs through the cache and batch model (`simulate()`) with its
   *   default parameters (see `simParams`), and each request pays for what it did there: per
   *   breakpoint on its path, wrote the entry, read it (a read also covers the shallower
   *   breakpoints), or neither (uncached input, e.g. a prefix below the model's minimum). Token
   *   counts stay the estimate's own. A request the simulator does not succeed (it errored,
   *   expired or was canceled; none with the default parameters) is priced as under
   *   `"expected"`. A plan's estimate and its simulated run then agree.
   * - `"expected"`: the planner's expected-miss model: each breakpoint's
   *   `expectedWrites` / `expectedReads`, spread evenly over the requests that carry it.
   * @default "simulate"
   */
  plannedModel?: "simulate" | "expected";
  /**
   * Parameters of the simulation behind `planned` (see `SimParams` for each one and its default).
   * `concurrency` defaults to the plan's `options.concurrency` (64 unless the plan says
   * otherwise, the simulator's default too); `outputTokens` to this estimate's output assumption;
   * `models` to `models`. Without `tokensOf`, the estimate builds one: the shared prefixes at the
   * estimate's own prefix figures (nothing is counted again), the text after each request's last
   * marker approximated from its length (it only sets simulated timing); with `tokensOf` (e.g. from `prepareTokens(plan, counter)`), the
   * plan is simulated exactly as it is. Ignored under `plannedModel: "expected"`.
   * @default {}
   */
  simParams?: Partial<SimParams>;
  /**
   * Whether to simulate the plan twice more, at a quarter and at four times the concurrency (16
   * and 256 by default), and report `planned` over the three runs as `plannedRange`. A run takes
   * about 3 s per 100,000 requests (measured on the benchmark job, see
   * `SENSITIVITY_MAX_REQUESTS`), so by default only jobs of up to 20,000 requests get them.
   * Ignored under `plannedModel: "expected"`.
   * @default true for jobs of up to 20,000 requests, false above
   */
  sensitivity?: boolean;
  /**
   * Measured token factors per model, as `cacheplan report --write-calibration` writes them: each
   * model's prefix and tail token counts are multiplied by its `factor` (actual ÷ estimated input
   * tokens of an earlier run). Models without an entry are left as counted. A version 2 file from
   * `cacheplan probe` adds `cache`: measured cache-model parameters for the `planned` simulation.
   * @default undefined (no calibration)
   */
  calibration?: EstimateCalibration;
}

/** Per-model token factors measured by `report()` (its `Calibration` fits), and cache-model parameters measured by `probe()`. */
export interface EstimateCalibration {
  /** The counter the factors were measured against. */
  counter: string;
  /** A factor per model id. */
  models: Readonly<Record<string, { factor: number }>>;
  /**
   * Cache-model parameters measured by `cacheplan probe` (calibration version 2): the simulation
   * behind `planned` runs with them, under `simParams` given explicitly.
   * @default undefined
   */
  cache?: import("../probe/types.js").CacheCalibration;
}

/** The cost of one scenario. */
export interface ScenarioCost {
  /** USD, with the assumed output. */
  usd: number;
  /** Tokens by kind, with the assumed output; rounded to whole tokens. */
  tokens: TokenBreakdown;
  /** USD by token kind (sums to `usd`). */
  usdByKind: TokenBreakdown;
  /** USD with no output at all (`low`) and with every request using its whole `max_tokens` (`high`). */
  usdRange: { low: number; high: number };
  /** Half-width of the 95% interval on `usd` from sampling the unique tails; 0 when every tail was counted. */
  usdMargin95: number;
}

/** The `planned` cost at several simulated concurrencies (see `EstimateOptions.sensitivity`). */
export interface PlannedRange {
  /** The lowest `planned` USD over the runs. */
  low: number;
  /** The highest `planned` USD over the runs. */
  high: number;
  /** `planned` USD of each run, by ascending concurrency; the default run is among them. */
  runs: Array<{
    /** Requests of one batch processed at the same time in this run. */
    concurrency: number;
    /** `planned` USD, with the assumed output. */
    usd: number;
  }>;
}

/** Scenario costs of a set of requests. */
export interface EstimateFigures {
  /** Number of requests. */
  requests: number;
  /** Every scenario's cost. */
  scenarios: Record<ScenarioName, ScenarioCost>;
  /**
   * `planned` at a quarter, one and four times the simulated concurrency; `null` when no
   * sensitivity runs were made (`sensitivity: false`, or `plannedModel: "expected"`).
   */
  plannedRange: PlannedRange | null;
  /** Half-width of the 95% interval on the total input tokens (input + writes + reads), from sampling. */
  inputTokensMargin95: number;
}

/** Figures of one model (caches and prices are per model). */
export interface ModelEstimate extends EstimateFigures {
  /** Where the model's prices come from (`ModelInfo.priceConfidence`). */
  priceConfidence: Confidence;
  /**
   * `false` when the model is not in the model table: its tokens are counted but it has no
   * price, so its USD figures are 0 and left out of every total (see `Estimate.unpriced`).
   * Absent for a priced model.
   */
  priced?: false;
}

/** Figures of one planned group. */
export interface GroupEstimate extends EstimateFigures {
  /** The group's id in the plan, e.g. `"g1"`. */
  id: string;
  /** The group's model. */
  model: string;
  /**
   * The share of the plan's expected reads that must actually hit for the group to cost less than
   * sending it without caching (`batch`); `null` when the plan expects no reads. Above 1 means the
   * plan's caching cannot pay even if every expected read hits.
   */
  breakEvenHitRate: number | null;
}

/** How the token counts were made and how sure they are. */
export interface CountInfo {
  /** `"sampled"` or `"full"`. */
  mode: "sampled" | "full";
  /** Requests whose tails were counted rather than predicted (those with no unique content included). */
  sampledRequests: number;
  /** Requests in the estimate. */
  requests: number;
  /** Seed of the sample. */
  seed: number;
  /** Chars per token measured on the sample, per content kind (`text`, `json`), when sampled. */
  charsPerToken: Record<string, number>;
}

/** How the `planned` scenario was computed. */
export type PlannedModelInfo =
  | {
      /** The planner's expected writes and reads (`plannedModel: "expected"`). */
      kind: "expected";
      /** The concurrency the planner assumed (`plan.options.concurrency`). */
      concurrency: number;
    }
  | {
      /** A simulated run of the plan (`plannedModel: "simulate"`). */
      kind: "simulate";
      /** Concurrency of the run that gives `planned`. */
      concurrency: number;
      /** Seed of the simulator. */
      seed: number;
      /** Concurrencies of the sensitivity runs, ascending, the default included; `null` when none ran. */
      sensitivity: number[] | null;
      /** Requests the simulator did not succeed, priced with the plan's expected writes and reads. */
      fallbackRequests: number;
      /** Virtual time from the first wave's creation to the end of the last batch, in ms. */
      wallTimeMs: number;
    };

/** The result of `estimate()`. */
export interface Estimate {
  /** Name of the token counter that produced the figures, e.g. `"tiktoken-estimate"`. */
  counter: string;
  /** Whether the token figures are estimates (an offline counter, or sampled tails). */
  estimated: boolean;
  /** How the tokens were counted. */
  count: CountInfo;
  /** The output assumption, its total, and the range it sits in. */
  output: {
    /** The assumption used for `usd` and `tokens.output`. */
    assumption: EstimateOutputAssumption;
    /** Output tokens assumed over all requests. */
    assumedTokens: number;
    /** Output tokens if every request used its whole `max_tokens`. */
    maxTokens: number;
  };
  /** How `planned` was computed. */
  plannedModel: PlannedModelInfo;
  /** Figures per model, keyed by the model id as the requests give it. */
  byModel: Record<string, ModelEstimate>;
  /** Figures per planned group, in plan order. */
  groups: GroupEstimate[];
  /** Figures of the whole job. */
  total: EstimateFigures;
  /** What a reader should know to trust or question the figures: assumptions, break-even, caveats. */
  notes: string[];
  /**
   * Models not in the model table and their request counts: no price, so their USD is left out of
   * every total (the first note says how to supply a row). Absent when every model is priced.
   */
  unpriced?: Array<{ model: string; requests: number }>;
  /**
   * What `splitText` would save, from the plan's `split-text` warnings (a plan made without it):
   * groups of requests sharing a long text prefix inside a block, and the planner's expected
   * saving at batch prices. Absent when the plan has no such warning.
   */
  splitText?: { groups: number; requests: number; savingUsd: number };
}
