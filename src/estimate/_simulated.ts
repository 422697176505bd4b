/**
 * The `planned` scenario from the cache and batch simulator (internal). The plan runs through
 * `simulate()`; each request's cache trace says, per breakpoint on its path, whether the request
 * wrote that entry, read it, or neither; the estimate prices those outcomes with its own token
 * counts (prefixes from `_prefixes.ts`, tails from `_tails.ts`). The simulator decides what each
 * request reads and writes (timing, concurrency, TTLs, visibility); the estimate keeps how many
 * tokens that is, so `planned` stays comparable with `ideal` and `worst`.
 *
 * Tokens for the simulator. `simulate()` needs a synchronous count of every segment:
 * - the segments up to each request's deepest breakpoint (the shared prefixes: few and distinct)
 *   get the estimate's own prefix figures: each breakpoint's tokens (its prefix minus its
 *   parent's) go to its marked segment, the segments before it in the same span get 0 (or what
 *   they already got in another span). The prefix up to each breakpoint then has exactly the
 *   tokens the estimate prices, so the simulator's minimum check agrees with the estimate, and
 *   nothing is counted again. (Counting each segment with the counter would give the same
 *   figures for an offline counter, and for the exact counter cost `count_tokens` calls and
 *   give figures less exact than its whole-prefix counts.) Only a lookback hit between two
 *   breakpoints would see other figures, and the estimate prices breakpoints, not those;
 * - the text after a request's last marker only sets the simulated prefill time (0.1 ms a token
 *   by default), so it is not tokenized: it becomes a short placeholder worth
 *   `ceil(chars / 4 × the model's tokenizer factor)` tokens. That also spares the simulator
 *   hashing every unique tail, most of its time on a large job (measured on 100,000 requests
 *   with ~500-token tails: 7.7 s per run with the tails, 2.5 s with placeholders). Text before
 *   the last marker, blocks other than text, every other field and every marker stay, so cache
 *   keys, lookback and minimums are those of the real requests. Blocks other than text after the
 *   last marker keep their content and get a size-based figure too (chars of their JSON; 1,600
 *   tokens for an image or a PDF).
 */
import { type TokenBreakdown, zeroTokens } from "../pricing/cost.js";
import type { ModelTable } from "../pricing/models.js";
import { UNKNOWN_MODEL_TOKENIZER } from "../pricing/unknown-model.js";
import type { Segment } from "../request/segments.js";
import { segmentHash, segmentLabel, type WalkedSegment } from "../request/segments.js";
import type { SimJob } from "../sim/job.js";
import type { SimParams } from "../sim/params.js";
import type { SimCacheTrace } from "../sim/results.js";
import { simulate } from "../sim/simulate.js";
import type { TokensOf } from "../sim/tokens.js";
import { TOKENIZER_FACTORS } from "../tokens/tiktoken.js";
import type { BatchRequest, Plan, PlannedBreakpoint } from "../types.js";
import type { Json } from "../util/json.js";
import type { BreakpointNode } from "./_paths.js";
import { contentOf, replaceTextFrom } from "./_segments.js";
import type { EstimateOutputAssumption } from "./types.js";

/**
 * Largest job whose `planned` gets sensitivity runs by default (`EstimateOptions.sensitivity`).
 * Measured on the estimate benchmark's job (`bench/estimate-workload.mjs`: one ~20k-token shared
 * prompt, ~500-token tails; 2 CPUs shared with other work), sampled counting, plan in memory:
 * 100,000 requests take 2.1–3.1 s without the simulation, 4.7–6.3 s with the default run, and
 * 8.5–12.4 s with the two sensitivity runs too, over the benchmark's 10 s budget (issue 3); 20,000
 * requests take 1.2–1.3 s, and 2.2–2.7 s with all three runs.
 */
export const SENSITIVITY_MAX_REQUESTS = 20_000;

/** What a request does at one breakpoint of its path. */
export const MISSED = 0;
export const WROTE = 1;
export const READ = 2;

/** What the simulator needs of an estimate's request. */
export interface SimRecord {
  customId: string;
  model: string;
  params: Json;
  segments: readonly WalkedSegment[];
  /** Depths (1-based) of the segments that carry a marker, the top-level one resolved. */
  markers: ReadonlySet<number>;
  /** Its breakpoints, outermost first. */
  path: readonly BreakpointNode[];
}

/** One simulated run of the plan. */
export interface SimulatedRun {
  /** Its concurrency. */
  concurrency: number;
  /**
   * Per request (in the estimate's order), per breakpoint of its path: `MISSED`, `WROTE` or
   * `READ`; `null` when the simulator did not succeed the request (it errored, expired or was
   * canceled), which is then priced with the plan's expected writes and reads.
   */
  outcomes: Array<Uint8Array | null>;
  /** Requests with a `null` outcome. */
  fallbacks: number;
  /** Virtual time at which the simulated job ended, in ms. */
  wallTimeMs: number;
}

/** What {@link simulatePlan} needs besides the plan and its requests. */
export interface SimulatePlanOptions {
  /** Tokens of each breakpoint beyond its parent's, as the estimate prices them. */
  deltaOf: ReadonlyMap<PlannedBreakpoint, number>;
  models: ModelTable;
  /** The caller's parameters; `concurrency` is replaced by each of `concurrencies`. */
  simParams: Partial<SimParams>;
  /** The estimate's output assumption, passed on unless `simParams.outputTokens` is given. */
  output: EstimateOutputAssumption;
  /** One run per concurrency, in this order. */
  concurrencies: readonly number[];
}

/** Chars per token of the placeholder figure (cl100k reads English prose at about 4). */
const CHARS_PER_TOKEN = 4;
/** Tokens of a block with no measurable size (an image, a PDF): the size of a resized image. */
const MEDIA_TOKENS = 1600;
/** Placeholders start with a NUL, which no real prompt text is expected to hold. */
const PLACEHOLDER = "\u0000tail ";

const EMPTY = new Uint8Array(0);

/**
 * Simulates the plan once per concurrency and reads, per request, what it did at each of its
 * breakpoints. Without `simParams.tokensOf` the tails are replaced by placeholders (see the file
 * comment); with it, the plan is simulated as it is, with the caller's counts.
 */
export function simulatePlan(
  plan: Plan,
  records: readonly SimRecord[],
  options: SimulatePlanOptions,
): SimulatedRun[] {
  const { simParams, output } = options;
  let job: SimJob = plan;
  let tokensOf = simParams.tokensOf;
  if (tokensOf === undefined) {
    const built = skeleton(plan, records, options.deltaOf, options.models);
    job = built.job;
    tokensOf = built.tokensOf;
  }
  const outputTokens =
    simParams.outputTokens ??
    (output.kind === "tokens"
      ? Math.round(output.tokens)
      : { fractionOfMaxTokens: output.fraction });
  return options.concurrencies.map((concurrency): SimulatedRun => {
    const result = simulate(job, {
      models: options.models,
      ...simParams,
      tokensOf,
      outputTokens,
      concurrency,
    });
    let fallbacks = 0;
    const outcomes = records.map((record, i) => {
      const simulated = result.requests[i];
      if (simulated?.custom_id !== record.customId || simulated.cache === null) {
        fallbacks += 1;
        return null;
      }
      return outcomeOf(record, simulated.cache);
    });
    return { concurrency, outcomes, fallbacks, wallTimeMs: result.endedAt };
  });
}

/** Per breakpoint of the request's path: written, read (a read covers every shallower one), or missed. */
function outcomeOf(record: SimRecord, trace: SimCacheTrace): Uint8Array {
  const { path } = record;
  if (path.length === 0) return EMPTY;
  const out = new Uint8Array(path.length);
  if (trace.read !== null) {
    // The entry read may sit at a breakpoint of the path or, found by the lookback, between two.
    const label = trace.read.label;
    const depth = record.segments.findIndex((s) => segmentLabel(s.location) === label) + 1;
    path.forEach((node, k) => {
      if (node.bp.depth <= depth) out[k] = READ;
    });
  }
  // A hit between two breakpoints reads the shallower ones; the deeper one is written, priced
  // whole (the API would bill the part up to the hit as read): a slight overestimate, and rare,
  // since requests of a group share their prefix up to each breakpoint.
  for (const write of trace.writes) {
    const k = path.findIndex((node) => node.bp.depth === write.segment + 1);
    if (k >= 0 && out[k] !== READ) out[k] = WROTE;
  }
  return out;
}

/**
 * The `planned` tokens of one request from its outcome, billed as the API bills a request
 * (reference §3 "Mixing TTLs", fact 17): A = the prefix read, B = the last 1h breakpoint written,
 * C = the last breakpoint written; read A, 1h write B − A, 5m write C − B, input the rest. Per
 * breakpoint, deepest first: read if read; else written at 1h when a 1h breakpoint at or below it
 * was written, at 5m when any was; else uncached input (a prefix below the minimum).
 */
export function simulatedTokens(
  path: readonly BreakpointNode[],
  outcome: Uint8Array,
  deltaOf: ReadonlyMap<PlannedBreakpoint, number>,
  tail: number,
  output: number,
): TokenBreakdown {
  const t = { ...zeroTokens(), input: tail, output };
  let written: "none" | "5m" | "1h" = "none";
  for (let k = path.length - 1; k >= 0; k--) {
    const { bp } = path[k]!;
    const delta = deltaOf.get(bp)!;
    const what = outcome[k];
    if (what === READ) {
      t.cacheRead += delta;
      continue;
    }
    if (what === WROTE && (bp.ttl === "1h" || written === "none")) written = bp.ttl;
    if (written === "1h") t.cacheWrite1h += delta;
    else if (written === "5m") t.cacheWrite5m += delta;
    else t.input += delta;
  }
  return t;
}

/**
 * The job the simulator runs by default: the plan's batches with each request's text after its
 * last marker replaced by a placeholder, and a `tokensOf` that knows the prefix segments, the
 * placeholders, and a size-based figure for anything else.
 */
function skeleton(
  plan: Plan,
  records: readonly SimRecord[],
  deltaOf: ReadonlyMap<PlannedBreakpoint, number>,
  models: ModelTable,
) {
  const factorOf = (model: string) =>
    TOKENIZER_FACTORS[models.get(model)?.tokenizer ?? UNKNOWN_MODEL_TOKENIZER];

  // Each breakpoint's span of segments (after its parent's), from the first request that
  // carries it: its tokens go to the segments not seen yet, all of them to the last one.
  const countOf = new Map<string, number>();
  const done = new Set<BreakpointNode>();
  for (const record of records) {
    for (const node of record.path) {
      if (done.has(node)) continue;
      done.add(node);
      let rest = deltaOf.get(node.bp) ?? 0;
      const open: string[] = [];
      for (let d = node.parent?.bp.depth ?? 0; d < node.bp.depth; d++) {
        const key = `${record.model}\u0000${segmentHash(record.segments[d]!)}`;
        const known = countOf.get(key);
        if (known === undefined) open.push(key);
        else rest -= known;
      }
      open.forEach((key, k) => {
        countOf.set(key, k === open.length - 1 ? Math.max(0, rest) : 0);
      });
    }
  }

  const tails = new Map<string, number>();
  let position = 0;
  const batches = plan.batches.map((batch) => ({
    wave: batch.wave,
    requests: batch.requests.map((request): BatchRequest => {
      const record = records[position++];
      if (record === undefined || record.customId !== request.custom_id) return request;
      const keep = Math.max(
        0,
        ...record.markers,
        record.path[record.path.length - 1]?.bp.depth ?? 0,
      );
      if (record.params.cache_control != null || keep >= record.segments.length) return request;
      const factor = factorOf(record.model);
      const params = replaceTextFrom(record.params, keep, (text, d) => {
        const placeholder = `${PLACEHOLDER}${position}.${d}`;
        tails.set(placeholder, Math.ceil((text.length / CHARS_PER_TOKEN) * factor));
        return placeholder;
      });
      return params === record.params
        ? request
        : { custom_id: request.custom_id, params: params as unknown as BatchRequest["params"] };
    }),
  }));

  const tokensOf: TokensOf = (segment: Segment, model: string) => {
    const { text } = segment.block;
    if (typeof text === "string" && text.startsWith(PLACEHOLDER)) {
      const tokens = tails.get(text);
      if (tokens !== undefined) return tokens;
    }
    const counted = countOf.get(`${model}\u0000${segment.contentHash}`);
    if (counted !== undefined) return counted;
    const { kind, chars } = contentOf(segment.block);
    return kind === "media" ? MEDIA_TOKENS : Math.ceil((chars / CHARS_PER_TOKEN) * factorOf(model));
  };
  return { job: { batches }, tokensOf };
}
