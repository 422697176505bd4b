/**
 * Public types of `probe()`: a small designed experiment that measures how the provider's cache
 * behaves inside batches for one model, and the calibration it writes for `plan`, `estimate` and
 * `simulate`. The JSON contract of `cacheplan probe --json` is {@link ProbeOutput}.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { ModelTable } from "../pricing/models.js";
import type { RunEvent, SubmitOptions } from "../run/types.js";
import type { CacheTtl } from "../types.js";
import type { RateEstimate } from "./_stats.js";

export type { RateEstimate } from "./_stats.js";

/** Which timed reads `--long` makes. */
export interface ProbeLongOptions {
  /**
   * Synchronous writes, each read once at 0, 1, 3 and 10 s after it returned: bounds the delay
   * before a written entry is readable.
   * @default true
   */
  visibility?: boolean;
  /**
   * TTLs to bound: per TTL, three synchronous writes read once at 0.5×, 0.9× and 1.1× the documented
   * lifetime (a read refreshes an entry, so each prefix is read once).
   * @default ["5m", "1h"]
   */
  ttls?: readonly CacheTtl[];
}

/** Options of `probe()`. */
export interface ProbeOptions {
  /**
   * The batch system to probe; each supplies its own design (`PROBE_TARGETS`).
   * @default "anthropic"
   */
  target?: string;
  /** An `Anthropic` client (its key and `baseURL`); the probe's only way out. */
  client: Anthropic;
  /** The model to measure: caches are per model (reference §1.6). */
  model: string;
  /** The probe's folder: its design, its plan (`plan/`, with `run.json` and results) and its calibration. */
  out: string;
  /**
   * Requests per measured batch (the cold batch, the primer's readers, the synchronous write's
   * readers). 16 gives a 95% interval of [0, 0.19] when none reads, [0.81, 1] when all do.
   * @default 16
   */
  k?: number;
  /** Also bound the visibility delay and the TTLs with timed synchronous reads; takes over an hour with `1h`. @default false */
  long?: boolean | ProbeLongOptions;
  /**
   * Most USD the probe may spend, at the price table's prices. Before each stage the probe adds
   * the stage's worst case (every request writes) to what was spent; a stage that could cross
   * the cap is not started and the probe stops with `status: "capped"`.
   * @default 0.5
   */
  maxUsd?: number;
  /**
   * Text that makes this probe's prefixes unique, so that no earlier write can be read. Kept in
   * the folder: a resumed probe uses the same.
   * @default a random UUID
   */
  nonce?: string;
  /** Model table (prices, minimum cacheable tokens). @default defaultModelTable */
  models?: ModelTable;
  /** Aborting it stops the probe; its folder keeps the state, run `probe()` again to resume. */
  signal?: AbortSignal;
  /** Called with the probe's progress and its runner's events. */
  onProgress?: (event: ProbeEvent) => void;
  /** Options passed to `submit()` for the probe's batches. */
  submit?: Pick<
    SubmitOptions,
    "poll" | "maxRetries" | "timeout" | "retryBackoff" | "concurrency" | "createSettleMs"
  >;
}

/** Progress of a probe. */
export type ProbeEvent =
  | { type: "stage"; stage: ProbeStageName; message: string }
  | { type: "call"; stage: ProbeStageName; customId: string; read: number; written: number }
  | { type: "run"; event: RunEvent }
  | { type: "capped"; stage: ProbeStageName; spentUsd: number; worstUsd: number; maxUsd: number };

/** The stages of the Anthropic probe, in the order they run. */
export type ProbeStageName = "size" | "sync-write" | "batches" | "long";

/** One line of the probe's price table. */
export interface ProbeCostLine {
  /** The step it belongs to: `"a"` cold batch, `"b"` primer then readers, `"c"` synchronous write then readers, `"d"` timed reads. */
  step: "a" | "b" | "c" | "d";
  /** What is sent, for a person. */
  what: string;
  /** How it is sent: a Message Batch (50% off, reference fact 9) or the Messages API. */
  api: "batch" | "messages";
  /** Requests sent. */
  requests: number;
  /** USD if the cache works as well as it can (every reader reads). */
  lowUsd: number;
  /** USD if the cache behaves as cacheplan's model assumes. */
  expectedUsd: number;
  /** USD if nothing is ever read (every request writes): the worst case the cap is checked with. */
  highUsd: number;
}

/** What a probe will cost, before anything is sent. */
export interface ProbeCost {
  /** The model. */
  model: string;
  /** Whether the model is in the price table; an unknown model has no price and cannot be probed within a cap. */
  known: boolean;
  /** Tokens of each prefix the cost assumes: the minimum plus a margin (the probe sizes them with count_tokens). */
  prefixTokens: number;
  /** The model's minimum cacheable prefix and how sure the table is of it. */
  minimum: { tokens: number; confidence: string };
  /** Requests per measured batch. */
  k: number;
  /** The lines, in the order they are sent. */
  lines: ProbeCostLine[];
  /** Sums of the lines. */
  total: { lowUsd: number; expectedUsd: number; highUsd: number };
}

/** How a measurement compares with the documentation and with cacheplan's model. */
export type ProbeVerdict =
  /** Within what the documentation says and what the model assumes. */
  | "consistent"
  /** The interval excludes what the model assumes (or the documentation states): the model is wrong for this organisation. */
  | "contradicts"
  /** Nothing measured (a stage was not run, or nothing succeeded). */
  | "not-measured";

/** One measured quantity. */
export interface ProbeMeasurement {
  /** Stable id. */
  id:
    | "cacheable"
    | "cold-hit-rate"
    | "primer-hit-rate"
    | "sync-to-batch"
    | "visibility-delay"
    | "ttl-5m"
    | "ttl-1h";
  /** What it is, for a person. */
  title: string;
  /** A rate with its 95% Wilson interval (rates). */
  rate?: RateEstimate;
  /** Bounds in ms: the quantity is above `lowMs` and at most `highMs` (delays, lifetimes). */
  bounds?: { lowMs: number | null; highMs: number | null; inconsistent: boolean };
  /** The raw counts or times, for a person. */
  raw: string;
  /** What the documentation (and field reports) say, with the reference section. */
  documented: string;
  /** What cacheplan's cache model assumes by default. */
  modelAssumes: string;
  /** How the measurement compares. */
  verdict: ProbeVerdict;
  /** The plain conclusion. */
  says: string;
}

/**
 * Cache-model parameters measured by `cacheplan probe`, in the names of `SimParams`; the
 * `cache` section of a version 2 calibration file. A parameter the probe could not pin down is
 * absent (the default applies).
 */
export interface CacheCalibration {
  /** What measured it. */
  source: "probe";
  /** The model probed. */
  model: string;
  /** When the probe ended (ISO 8601). */
  measuredAt: string;
  /** Requests of one batch that cannot read each other's writes: the cold batch's writes. Feeds the planner's `concurrency`. */
  concurrency?: number;
  /** Probability that a batch request reads a live entry a batch wrote (the primer's readers). */
  batchReadRate?: number;
  /** Probability that a batch request reads an entry only a synchronous call wrote. */
  syncToBatchVisibility?: number;
  /**
   * Extra delay before an entry is readable, in ms, where reads missed after the write returned:
   * the time by which one was readable (an upper bound, so the simulation does not flatter).
   */
  visibilityDelayMs?: number;
  /**
   * Lifetime of an entry per TTL, in ms, where it measured shorter than documented: the longest
   * lifetime an entry was seen alive (a lower bound), or without one the time it was seen gone by.
   */
  ttlMs?: Partial<Record<CacheTtl, number>>;
  /** The measurements behind the figures: rates with their intervals and counts. */
  measured?: Partial<
    Record<ProbeMeasurement["id"], { rate?: RateEstimate; bounds?: ProbeMeasurement["bounds"] }>
  >;
}

/**
 * A calibration file, version 2: `report --write-calibration`'s version 1 (per-model token
 * factors) plus the cache-model parameters `cacheplan probe` measures. Readers take both
 * versions; version 1 has no `cache`.
 */
export interface CalibrationFileV2 {
  /** Format version. */
  version: 2;
  /** The counter the token factors were measured against. */
  counter: string;
  /** Per-model token factors (as version 1). */
  models: Record<string, { factor: number }>;
  /** The measured cache-model parameters. */
  cache?: CacheCalibration;
}

/** The result of `probe()`. */
export interface ProbeResult {
  /** Format version of this result. */
  version: 1;
  /** The batch system probed. */
  target: "anthropic";
  /** The model. */
  model: string;
  /** Requests per measured batch. */
  k: number;
  /**
   * - `"complete"`: every stage asked for ran.
   * - `"capped"`: a stage was not started because its worst case could cross `maxUsd`.
   * - `"interrupted"`: stopped by the signal; run again to resume.
   */
  status: "complete" | "capped" | "interrupted";
  /** Why it stopped early, when it did. */
  stopped?: string;
  /** Tokens of each probe prefix as the API counted them (count_tokens). */
  prefixTokens: number;
  /** USD spent, from the usage of every response at the price table's prices. */
  spentUsd: number;
  /** What the probe was expected to cost. */
  cost: ProbeCost;
  /** Per quantity: estimate, uncertainty, raw counts, documentation, verdict. */
  measurements: ProbeMeasurement[];
  /** The calibration written. */
  calibration: CalibrationFileV2;
  /** Where it was written. */
  calibrationFile: string;
}

/** `cacheplan probe --json`: the result, with the package version. */
export interface ProbeOutput extends ProbeResult {
  /** Version of the package that wrote it. */
  cacheplanVersion: string;
}
