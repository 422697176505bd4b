/**
 * Counting the unique tails of requests (internal): the segments after a request's deepest
 * breakpoint, which are billed as uncached input in every scenario.
 *
 * `"full"` counts every distinct tail segment once. `"sampled"` (the default for offline counters)
 * counts exactly what is cheap or shared (tail segments that occur in two or more requests, each
 * once; images and PDFs, estimated from their size) and, per model, tokenizes the unique segments
 * of a seeded sample of requests only, stratified by group so that every kind of tail is seen. On
 * the sample it fits tokens on three predictors (chars of text, chars of JSON, number of blocks:
 * each block carries a few formatting tokens, so a ratio of tokens to chars alone is biased between
 * short and long tails) and predicts the rest from their sizes. The 95% interval comes from the
 * fit's prediction variance (`_regression.ts`). Measured coverage of that 95% interval over
 * seeds 1 to 200 (allowing the one token of rounding): 195 of 200 on the built-in sample job with
 * 40 requests per model; 191 of 200 on 10,000 requests with ~500-token unique tails and 100
 * sampled. An unstratified sample with a plain tokens-per-char ratio held in 182 of 200 on the
 * sample job.
 */

import { segmentHash, type WalkedSegment } from "../request/segments.js";
import type { SegmentCountRequest, TokenCounter } from "../tokens/counter.js";
import { seededRandom } from "../util/random.js";
import { type Fit, fitLinear, predict, sumVariance } from "./_regression.js";
import { type ContentKind, contentOf } from "./_segments.js";

/** Predictors of a unique tail: chars of text, chars of JSON, blocks. */
export const PREDICTORS = 3;

/** One request's tail. */
export interface TailRequest {
  model: string;
  segments: readonly WalkedSegment[];
  /** Index of the first tail segment: the depth of the request's deepest breakpoint. */
  from: number;
  /** Sampling stratum within the model: the request's group, or -1 outside groups. */
  stratum: number;
}

/** Strata smaller than this share of their model's population are sampled together. */
const MIN_STRATUM_SHARE = 0.02;
/** Fewest requests sampled from a stratum of its own (all of it when smaller). */
const STRATUM_FLOOR = 5;

/** Tail tokens per request, and what the variance needs. */
export interface TailCounts {
  /** Tail tokens per request (counted, or counted plus predicted). */
  tokens: Float64Array;
  /** Predictors of each request's predicted unique tail (`PREDICTORS` per request); 0 when counted. */
  predictors: Float64Array;
  /** 1 where the request's unique tail was predicted. */
  unsampled: Uint8Array;
  /** Requests whose unique tails were tokenized (or had none). */
  sampledRequests: number;
  /** The fit per model. */
  fits: Map<string, Fit>;
  /** Chars per token measured on the sample, by content kind. */
  charsPerToken: Record<string, number>;
}

type Sized = "text" | "json";
interface Usage {
  request: number;
  kind: Sized | undefined;
}
interface Pending extends SegmentCountRequest {
  usages: Usage[];
}

class CountQueue {
  readonly #pending = new Map<string, Pending>();
  add(segment: WalkedSegment, model: string, usage: Usage): void {
    const hash = segmentHash(segment);
    const key = `${model}\u0000${hash}`;
    const entry = this.#pending.get(key);
    if (entry) entry.usages.push(usage);
    else this.#pending.set(key, { hash, model, block: segment.block, usages: [usage] });
  }
  /** Counts every distinct segment once and calls `use` for each usage. */
  async run(counter: TokenCounter, use: (usage: Usage, tokens: number) => void): Promise<void> {
    const entries = [...this.#pending.values()];
    this.#pending.clear();
    if (entries.length === 0) return;
    const counts = await counter.countSegments(
      entries.map(({ hash, model, block }) => ({ hash, model, block })),
    );
    entries.forEach((entry, k) => {
      for (const usage of entry.usages) use(usage, counts[k]!);
    });
  }
}

/** Variance of the predicted unique-tail tokens of `count` unsampled requests of `model`. */
export function tailVariance(
  counts: Pick<TailCounts, "fits">,
  model: string,
  count: number,
  predictors: readonly number[],
): number {
  const fitted = counts.fits.get(model);
  return fitted ? sumVariance(fitted, count, predictors) : 0;
}

/** Murmur3's 32-bit finalizer. */
function mixSeed(seed: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One tail segment, with its content kind, size and content key. */
interface Piece {
  segment: WalkedSegment;
  kind: ContentKind;
  chars: number;
  key: string;
}

type Options = { mode: "sampled" | "full"; sampleSize: number; seed: number };

/** Counts the tails of `requests`. */
export async function countTails(
  requests: readonly TailRequest[],
  counter: TokenCounter,
  options: Options,
): Promise<TailCounts> {
  const n = requests.length;
  const result: TailCounts = {
    tokens: new Float64Array(n),
    predictors: new Float64Array(n * PREDICTORS),
    unsampled: new Uint8Array(n),
    sampledRequests: n,
    fits: new Map(),
    charsPerToken: {},
  };
  const queue = new CountQueue();
  const addTokens = (usage: Usage, tokens: number) => {
    result.tokens[usage.request]! += tokens;
  };
  if (options.mode === "full") {
    requests.forEach((r, i) => {
      for (let d = r.from; d < r.segments.length; d++)
        queue.add(r.segments[d]!, r.model, { request: i, kind: undefined });
    });
    await queue.run(counter, addTokens);
    return result;
  }
  const { unique, population } = splitPieces(requests, queue);
  const sampled = drawSample(n, (i) => requests[i]!.stratum, population, options);
  const y = new Map<number, { text: number; json: number }>();
  for (const [i, list] of unique.entries()) {
    if (!sampled[i]) continue;
    y.set(i, { text: 0, json: 0 });
    for (const piece of list)
      queue.add(piece.segment, requests[i]!.model, { request: i, kind: piece.kind as Sized });
  }
  await queue.run(counter, (usage, tokens) => {
    addTokens(usage, tokens);
    if (usage.kind) y.get(usage.request)![usage.kind] += tokens;
  });
  const pooled = predictUnsampled(result, { unique, population, sampled, y }, queue);
  await queue.run(counter, addTokens);
  // Requests with no unique content were counted in full, so they count as sampled.
  result.sampledRequests = n - result.unsampled.reduce((s, v) => s + v, 0);
  for (const kind of ["text", "json"] as const) {
    if (pooled[kind].y > 0) result.charsPerToken[kind] = pooled[kind].x / pooled[kind].y;
  }
  return result;
}

/**
 * Each request's tail pieces: shared and media pieces go to the queue to be counted; unique ones
 * are returned per request, and the requests that have some form each model's sampling population.
 */
function splitPieces(
  requests: readonly TailRequest[],
  queue: CountQueue,
): { unique: Piece[][]; population: Map<string, number[]> } {
  // Pass 1: sizes, and how often each tail content occurs per model.
  const pieces: Piece[][] = [];
  const seen = new Map<string, Map<string, number>>();
  requests.forEach((r) => {
    const list: Piece[] = [];
    const occurrences = seen.get(r.model) ?? seen.set(r.model, new Map()).get(r.model)!;
    for (let d = r.from; d < r.segments.length; d++) {
      const segment = r.segments[d]!;
      const piece: Piece = { segment, ...contentOf(segment.block) };
      if (piece.kind !== "media") occurrences.set(piece.key, (occurrences.get(piece.key) ?? 0) + 1);
      list.push(piece);
    }
    pieces.push(list);
  });

  // Pass 2: shared and media pieces are counted; unique ones form the sampling population.
  const unique: Piece[][] = requests.map(() => []);
  const population = new Map<string, number[]>();
  requests.forEach((r, i) => {
    const occurrences = seen.get(r.model)!;
    for (const piece of pieces[i]!) {
      if (piece.kind === "media" || occurrences.get(piece.key)! > 1) {
        queue.add(piece.segment, r.model, { request: i, kind: undefined });
      } else {
        unique[i]!.push(piece);
      }
    }
    if (unique[i]!.length > 0) {
      const list = population.get(r.model) ?? population.set(r.model, []).get(r.model)!;
      list.push(i);
    }
  });
  return { unique, population };
}

/**
 * A seeded sample per model, stratified by group so that every kind of tail is seen: each group
 * of at least 2% of the model's population gets its proportional share (at least 5), smaller ones
 * share the rest. Partial Fisher-Yates per stratum, strata in order of first appearance. The seed
 * goes through a 32-bit finalizer first: seededRandom's streams for nearby seeds are offsets of
 * one sequence, and the sample should not line up with data generated the same way. The
 * large-plan estimate (`_folder-estimate.ts`) draws its sample here too.
 */
export function drawSample(
  n: number,
  stratumOf: (i: number) => number,
  population: ReadonlyMap<string, number[]>,
  options: Pick<Options, "sampleSize" | "seed">,
): Uint8Array {
  const random = seededRandom(mixSeed(options.seed));
  const sampled = new Uint8Array(n);
  for (const list of population.values()) {
    const size = Math.min(list.length, options.sampleSize);
    const strata = new Map<number, number[]>();
    for (const i of list) {
      const key = stratumOf(i);
      (strata.get(key) ?? strata.set(key, []).get(key)!).push(i);
    }
    const rest: number[] = [];
    const own: number[][] = [];
    for (const members of strata.values()) {
      if (members.length >= MIN_STRATUM_SHARE * list.length) own.push(members);
      else rest.push(...members);
    }
    if (rest.length > 0) own.push(rest);
    for (const members of own) {
      const share = Math.round((size * members.length) / list.length);
      const take = Math.min(members.length, Math.max(STRATUM_FLOOR, share));
      const pool = [...members];
      for (let k = 0; k < take; k++) {
        const j = k + Math.floor(random() * (pool.length - k));
        [pool[k], pool[j]] = [pool[j]!, pool[k]!];
        sampled[pool[k]!] = 1;
      }
    }
  }
  return sampled;
}

/**
 * A fit per model on its sample, and the prediction of every unsampled unique tail; pieces of a
 * kind the fit lacks are queued to be counted instead. Returns chars and tokens of the sample by
 * kind.
 */
function predictUnsampled(
  result: TailCounts,
  sample: {
    unique: readonly Piece[][];
    population: ReadonlyMap<string, number[]>;
    sampled: Uint8Array;
    y: ReadonlyMap<number, { text: number; json: number }>;
  },
  queue: CountQueue,
): Record<Sized, { x: number; y: number }> {
  const { unique, sampled } = sample;
  const pooled = { text: { x: 0, y: 0 }, json: { x: 0, y: 0 } };
  const zOf = (pieces: readonly Piece[]) => {
    const z = [0, 0, pieces.length];
    for (const piece of pieces) z[piece.kind === "text" ? 0 : 1]! += piece.chars;
    return z;
  };
  for (const [model, list] of sample.population) {
    const rows: number[][] = [];
    const ys: number[] = [];
    for (const i of list) {
      if (!sampled[i]) continue;
      const counted = sample.y.get(i)!;
      rows.push(zOf(unique[i]!));
      ys.push(counted.text + counted.json);
      for (const piece of unique[i]!) pooled[piece.kind as Sized].x += piece.chars;
      pooled.text.y += counted.text;
      pooled.json.y += counted.json;
    }
    const fitted = fitLinear(rows, ys);
    if (fitted) result.fits.set(model, fitted);
    for (const i of list) {
      if (sampled[i]) continue;
      const predictable = unique[i]!.filter((piece) => {
        const ok = fitted?.kept[piece.kind === "text" ? 0 : 1] === true;
        if (!ok) queue.add(piece.segment, model, { request: i, kind: undefined });
        return ok;
      });
      if (predictable.length === 0) continue;
      const z = zOf(predictable);
      result.tokens[i]! += Math.max(0, predict(fitted!.beta, z));
      result.predictors.set(z, i * PREDICTORS);
      result.unsampled[i] = 1;
    }
  }
  return pooled;
}
