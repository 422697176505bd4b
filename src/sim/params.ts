/**
 * Parameters of `simulate()`, their defaults, and why each default is what it is.
 *
 * The defaults reproduce the field measurements of reference §10 in spirit: a cold batch whose
 * group fits inside the concurrency reads nothing; a one-request primer batch with a 1h marker,
 * then the rest, reads ~100%; a large cold group reads inside the documented 30–98% band
 * (reference fact 16, BP-en); a synchronous pre-warm is not seen by a batch (ISS-1475).
 */
import { OptionsError } from "../errors.js";
import { defaultModelTable, type ModelTable } from "../pricing/models.js";
import { TTL_MS } from "../targets/anthropic/caching.js";
import type { CacheTtl } from "../types.js";
import type { TtlOrderViolation } from "./_resolve.js";
import type { TokensOf } from "./tokens.js";

/** How many output tokens a simulated response has. */
export type OutputAssumption =
  /** A fixed number of tokens (capped at the request's `max_tokens`). */
  | number
  /** A share of the request's `max_tokens`, rounded, at least 1. */
  | { fractionOfMaxTokens: number };

/** Parameters of `simulate()`. Only `tokensOf` is required. */
export interface SimParams {
  /** Tokens of each segment, precomputed; see `prepareTokens()`. */
  tokensOf: TokensOf;
  /**
   * Seed of every random draw (timing, order, faults, visibility). Same job, parameters and seed
   * give an identical result.
   * @default 1
   */
  seed?: number;
  /**
   * Model table for minimum cacheable tokens (reference fact 4).
   * @default defaultModelTable
   */
  models?: ModelTable;
  /**
   * Workspace of batches that do not name one, and of the prewarm. Caches are isolated per
   * workspace (reference §1.7).
   * @default "default"
   */
  workspace?: string;
  /**
   * Requests of one batch processed at the same time. Requests that start together cannot read
   * each other's writes (an entry is readable only once the writing response starts, fact 14), so
   * a cold group of n requests writes about min(n, concurrency) times. 64 is the planner's
   * `concurrency` default and covers the field data: cold batches of 10–48 got 0% reads (§10).
   * @default 64
   */
  concurrency?: number;
  /**
   * How far a request may move from its submission order, in queue positions: each request's
   * place is its index plus a uniform draw in [0, `orderJitter`). Batches are processed "roughly
   * in submission order"; no source gives a number, so the default only shuffles neighbours.
   * @default 8
   */
  orderJitter?: number;
  /**
   * Base delay between a batch's creation and the start of its first request, in ms. Batches
   * "usually take 5 minutes to 1 hour" (reference fact 16, PC-zh FAQ) and most finish within an
   * hour (fact 19); with 5 minutes at least, a 5m entry written in one wave is gone before the
   * next wave starts, as the planner's expected-miss model assumes.
   * @default 300000 (5 minutes)
   */
  startDelayMs?: number;
  /**
   * Extra start delay per batch, drawn uniformly in [0, `startDelayJitterMs`), so a batch starts
   * 5 to 15 minutes after its creation by default.
   * @default 600000 (10 minutes)
   */
  startDelayJitterMs?: number;
  /**
   * Delay between a batch slot freeing (or the batch starting) and the next request starting,
   * drawn uniformly in [0, `startJitterMs`). Kept below `requestOverheadMs` so that the first
   * `concurrency` requests of a batch never see each other's writes (§10: 0% reads).
   * @default 250
   */
  startJitterMs?: number;
  /**
   * Fixed time from a request's start to its response's start, on top of prefill, in ms.
   * @default 500
   */
  requestOverheadMs?: number;
  /**
   * Prefill time per uncached prompt token (`input_tokens + cache_creation_input_tokens`), in ms;
   * cache reads cost no prefill time. The response starts after the overhead plus prefill, and only
   * then do this request's writes become readable (fact 14). No published figure; 0.1 ms (10,000
   * tokens per second) gives about a second for the ~11k-token prefixes of §10.
   * @default 0.1
   */
  prefillMsPerToken?: number;
  /**
   * Generation time per output token, in ms (50 tokens per second). Generation counts against
   * the TTL, which runs from the request's start (fact 7).
   * @default 20
   */
  msPerOutputToken?: number;
  /**
   * Output tokens of each response. No source; half of `max_tokens` is a middle assumption. Pass
   * the same assumption as the estimate so both agree.
   * @default { fractionOfMaxTokens: 0.5 }
   */
  outputTokens?: OutputAssumption;
  /**
   * Time between the end of a wave (its last batch ended) and the creation of the next wave's
   * batches, in ms: one polling interval of a client that watches for the end. Also the time
   * between the end of the prewarm and the creation of the first wave.
   * @default 60000 (1 minute)
   */
  submissionGapMs?: number;
  /**
   * Probability that a batch request's lookup sees an entry written only by the synchronous
   * prewarm. 0 follows the community measurement (ISS-1475: a batch 1 s after a synchronous write
   * read 0 tokens; reference fact 15, §1.7); 0.16 reproduces the 16% of reference §10.
   * @default 0
   */
  syncToBatchVisibility?: number;
  /**
   * Probability that a batch request's lookup sees a live, readable entry a batch request wrote
   * (see `CacheStateOptions.batchReadRate`): batch hits are best-effort (reference fact 16). 1
   * follows reference §10 (a primer batch, then 100% reads); `cacheplan probe` measures it.
   * @default 1
   */
  batchReadRate?: number;
  /**
   * Extra delay before a written entry is readable, after the response start (batch) or the call's
   * start (Messages), in ms. No source gives one; `cacheplan probe --long` bounds it.
   * @default 0
   */
  visibilityDelayMs?: number;
  /**
   * Lifetime of an entry per TTL, in ms (reference §3, fact 7); a TTL not given keeps its
   * documented lifetime. `cacheplan probe --long` bounds them.
   * @default { "5m": 300000, "1h": 3600000 }
   */
  ttlMs?: Readonly<Partial<Record<CacheTtl, number>>>;
  /**
   * Share of requests that come back `errored` with an `api_error` or `overloaded_error` (half
   * each), drawn per request from the seed. They use a slot for `requestOverheadMs`, touch no
   * cache entry and are not billed (reference §5.4).
   * @default 0
   */
  errorRate?: number;
  /**
   * Time after a batch's creation at which it expires: requests not started by then come back
   * `expired` (reference fact 19: "a batch expires if not done within 24 hours").
   * @default 86400000 (24 hours)
   */
  batchExpiryMs?: number;
  /**
   * Virtual time at which the whole job is canceled. Requests not started by then come back
   * `canceled`; requests in flight complete (reference §5.1: "non-interruptible in-flight requests
   * may complete"); later waves are not submitted and their requests come back `canceled`.
   * @default undefined (never)
   */
  cancelAt?: number;
  /**
   * What to do with a request whose 1h marker comes after a 5m marker. The API's behaviour is
   * undocumented (reference fact 6, §9): `"error"` (the conservative default) returns it
   * `errored` with `invalid_request_error`; `"as-written"` writes each breakpoint with its own TTL
   * and bills by the §3 formula.
   * @default "error"
   */
  ttlOrderViolation?: TtlOrderViolation;
}

/** `SimParams` with every default applied (`cancelAt` stays optional). */
export type ResolvedSimParams = Required<Omit<SimParams, "cancelAt">> & { cancelAt?: number };

/** The defaults of `SimParams` (every field except `tokensOf`, `models` and `cancelAt`). */
export const SIM_DEFAULTS = Object.freeze({
  seed: 1,
  workspace: "default",
  concurrency: 64,
  orderJitter: 8,
  startDelayMs: 5 * 60_000,
  startDelayJitterMs: 10 * 60_000,
  startJitterMs: 250,
  requestOverheadMs: 500,
  prefillMsPerToken: 0.1,
  msPerOutputToken: 20,
  outputTokens: Object.freeze({ fractionOfMaxTokens: 0.5 }),
  submissionGapMs: 60_000,
  syncToBatchVisibility: 0,
  batchReadRate: 1,
  visibilityDelayMs: 0,
  ttlMs: TTL_MS,
  errorRate: 0,
  batchExpiryMs: 24 * 60 * 60_000,
  ttlOrderViolation: "error",
} satisfies Omit<ResolvedSimParams, "tokensOf" | "models">);

function check(ok: boolean, name: string, expected: string, value: unknown): void {
  if (!ok) {
    throw new OptionsError(`\`${name}\` must be ${expected}, got ${JSON.stringify(value)}.`);
  }
}

/** Applies the defaults and checks every value; throws an `OptionsError` naming a bad one. */
export function resolveSimParams(params: SimParams): ResolvedSimParams {
  const p = { ...SIM_DEFAULTS, models: defaultModelTable, ...stripUndefined(params) };
  check(typeof p.tokensOf === "function", "tokensOf", "a function", typeof p.tokensOf);
  check(Number.isInteger(p.seed), "seed", "an integer", p.seed);
  check(
    Number.isInteger(p.concurrency) && p.concurrency >= 1,
    "concurrency",
    "an integer ≥ 1",
    p.concurrency,
  );
  for (const name of [
    "orderJitter",
    "startDelayMs",
    "startDelayJitterMs",
    "startJitterMs",
    "requestOverheadMs",
    "prefillMsPerToken",
    "msPerOutputToken",
    "submissionGapMs",
    "batchExpiryMs",
    "visibilityDelayMs",
  ] as const) {
    check(Number.isFinite(p[name]) && p[name] >= 0, name, "a finite number ≥ 0", p[name]);
  }
  for (const ttl of Object.keys(p.ttlMs)) {
    const ms = (p.ttlMs as Record<string, number>)[ttl];
    check(
      (ttl === "5m" || ttl === "1h") && Number.isFinite(ms) && ms! > 0,
      `ttlMs.${ttl}`,
      "a finite number of ms > 0 for `5m` or `1h`",
      ms,
    );
  }
  for (const name of ["syncToBatchVisibility", "batchReadRate", "errorRate"] as const) {
    check(p[name] >= 0 && p[name] <= 1, name, "a probability in [0, 1]", p[name]);
  }
  const out = p.outputTokens;
  check(
    typeof out === "number"
      ? Number.isInteger(out) && out >= 0
      : Number.isFinite(out.fractionOfMaxTokens) && out.fractionOfMaxTokens >= 0,
    "outputTokens",
    "an integer ≥ 0 or `{ fractionOfMaxTokens }` with a fraction ≥ 0",
    out,
  );
  check(
    p.ttlOrderViolation === "error" || p.ttlOrderViolation === "as-written",
    "ttlOrderViolation",
    '"error" or "as-written"',
    p.ttlOrderViolation,
  );
  if (p.cancelAt !== undefined) {
    check(Number.isFinite(p.cancelAt), "cancelAt", "a finite time in ms", p.cancelAt);
  }
  return p;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Output tokens of a response to a request with `maxTokens`, under an assumption. */
export function outputTokensFor(assumption: OutputAssumption, maxTokens: number): number {
  const wanted =
    typeof assumption === "number"
      ? assumption
      : Math.max(1, Math.round(assumption.fractionOfMaxTokens * maxTokens));
  return Math.min(wanted, maxTokens);
}
