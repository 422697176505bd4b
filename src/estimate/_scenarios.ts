/**
 * Each request priced in every scenario (internal), summed into the job's, each model's and each
 * group's buckets; the sensitivity runs' `planned` summed beside them.
 */
import { costByKind, type TokenBreakdown, zeroTokens } from "../pricing/cost.js";
import type { PlannedBreakpoint } from "../types.js";
import { Bucket } from "./_accumulate.js";
import type { EstimateCounts } from "./_counts.js";
import type { BreakpointNode } from "./_paths.js";
import type { PlannedRuns } from "./_planned-runs.js";
import type { EstimateJob, EstimateRecord } from "./_records.js";
import { simulatedTokens } from "./_simulated.js";
import { PREDICTORS } from "./_tails.js";
import { type EstimateOutputAssumption, SCENARIOS, type ScenarioName } from "./types.js";

/** The sums over the job's requests. */
export interface ScenarioSums {
  total: Bucket;
  byModel: Map<string, Bucket>;
  /** By group index. */
  byGroup: Bucket[];
  /** Planned USD of each sensitivity run: the job's, per model, per group. */
  otherTotal: number[];
  otherByModel: Map<string, number[]>;
  otherByGroup: number[][];
  assumedOutput: number;
  maxOutput: number;
  /** Requests with `inference_geo: "us"` on a model where it costs more. */
  usRequests: number;
  /** Requests above a long-context tier. */
  tiered: number;
  /** Requests with a marker deeper than their deepest breakpoint. */
  strays: number;
}

/** Empty sums for a job of `groups` groups and `others` sensitivity runs. */
export function emptySums(groups: number, others: number): ScenarioSums {
  return {
    total: new Bucket(),
    byModel: new Map(),
    byGroup: Array.from({ length: groups }, () => new Bucket()),
    otherTotal: new Array<number>(others).fill(0),
    otherByModel: new Map(),
    otherByGroup: Array.from({ length: groups }, () => new Array<number>(others).fill(0)),
    assumedOutput: 0,
    maxOutput: 0,
    usRequests: 0,
    tiered: 0,
    strays: 0,
  };
}

/** What pricing needs of one request (an `EstimateRecord`, or a compact one built for it). */
export type PricedRecord = Pick<
  EstimateRecord,
  "model" | "info" | "geo" | "maxTokens" | "group" | "path"
> & { markers: Iterable<number> };

/** Prices every request in every scenario and adds it to its buckets. */
export function priceRequests(
  job: EstimateJob,
  groups: number,
  counts: EstimateCounts,
  runs: PlannedRuns,
  output: EstimateOutputAssumption,
): ScenarioSums {
  const sums = emptySums(groups, runs.others.length);
  const { tails } = counts;
  job.records.forEach((r, i) => {
    const unsampled =
      tails?.unsampled[i] === 1
        ? tails.predictors.subarray(i * PREDICTORS, (i + 1) * PREDICTORS)
        : undefined;
    priceRequest(sums, r, { index: i, tail: counts.tailOf[i]!, unsampled }, counts, runs, output);
  });
  return sums;
}

/**
 * Prices one request (`index` in the runs' outcomes; `tail` its unique tail tokens; `unsampled`
 * its tail's predictors when the tail was predicted) and adds it to its buckets.
 */
export function priceRequest(
  sums: ScenarioSums,
  r: PricedRecord,
  at: {
    index: number;
    tail: number;
    unsampled: ArrayLike<number> | undefined;
    /** Requests this one stands for (equal but for their tails; `tail` is their mean). @default 1 */
    weight?: number;
    /** Of those, how many were predicted (their `unsampled` predictors summed). @default 1 */
    predicted?: number;
  },
  counts: Pick<EstimateCounts, "prefixOf" | "deltaOf">,
  runs: PlannedRuns,
  output: EstimateOutputAssumption,
): void {
  const { deltaOf } = counts;
  const { index: i, tail } = at;
  const w = at.weight ?? 1;
  const node = r.path[r.path.length - 1];
  const prefix = node ? counts.prefixOf.get(node.bp)! : 0;
  const out =
    output.kind === "tokens" ? Math.min(output.tokens, r.maxTokens) : output.fraction * r.maxTokens;
  sums.assumedOutput += out * w;
  sums.maxOutput += r.maxTokens * w;
  if (r.geo === "us" && r.info.usGeoMultiplierApplies) sums.usRequests += w;
  if (r.info.tiers.some((t) => prefix + tail > t.aboveInputTokens)) sums.tiered += w;
  const depth = node?.bp.depth ?? 0;
  for (const d of r.markers) {
    if (d > depth) {
      sums.strays += w;
      break;
    }
  }

  const tokens = scenarioTokens(r.path, deltaOf, prefix + tail, tail, out);
  const expected = tokens.planned;
  const outcome = runs.main?.outcomes[i];
  if (outcome) tokens.planned = simulatedTokens(r.path, outcome, deltaOf, tail, out);
  if (runs.others.length > 0) addSensitivity(sums, runs, r, i, expected, deltaOf, tail, out);
  addToBuckets(sums, r, at, tokens);
}

/** The sensitivity runs' `planned` USD of one request, added to the job's, model's and group's. */
function addSensitivity(
  sums: ScenarioSums,
  runs: PlannedRuns,
  r: PricedRecord,
  i: number,
  expected: TokenBreakdown,
  deltaOf: ReadonlyMap<PlannedBreakpoint, number>,
  tail: number,
  out: number,
): void {
  const batchFlags = { batch: true, geo: r.geo };
  let modelSums = sums.otherByModel.get(r.model);
  if (modelSums === undefined) {
    modelSums = runs.others.map(() => 0);
    sums.otherByModel.set(r.model, modelSums);
  }
  runs.others.forEach((run, k) => {
    const o = run.outcomes[i];
    const t = o ? simulatedTokens(r.path, o, deltaOf, tail, out) : expected;
    const u = costByKind(r.info, t, batchFlags);
    const usd = u.input + u.cacheWrite5m + u.cacheWrite1h + u.cacheRead + u.output;
    sums.otherTotal[k]! += usd;
    modelSums[k]! += usd;
    if (r.group >= 0) sums.otherByGroup[r.group]![k]! += usd;
  });
}

/** One request's scenarios (and its tail's predictors when it was not sampled) in its buckets. */
function addToBuckets(
  sums: ScenarioSums,
  r: PricedRecord,
  at: { unsampled: ArrayLike<number> | undefined; weight?: number; predicted?: number },
  tokens: Record<ScenarioName, TokenBreakdown>,
): void {
  const { byModel } = sums;
  const w = at.weight ?? 1;
  const buckets = [
    sums.total,
    byModel.get(r.model) ?? byModel.set(r.model, new Bucket()).get(r.model)!,
  ];
  if (r.group >= 0) buckets.push(sums.byGroup[r.group]!);
  for (const bucket of buckets) {
    bucket.requests += w;
    if (at.unsampled !== undefined) {
      bucket.unsampled += at.predicted ?? 1;
      for (let j = 0; j < PREDICTORS; j++) bucket.predictors[j]! += at.unsampled[j]!;
    }
  }
  for (const s of SCENARIOS) {
    const flags = { batch: s !== "standard", geo: r.geo };
    const usd = costByKind(r.info, tokens[s], flags);
    const atMax = costByKind(r.info, { ...tokens[s], output: r.maxTokens }, flags).output;
    if (w === 1) for (const bucket of buckets) bucket.add(s, tokens[s], usd, atMax);
    else for (const bucket of buckets) bucket.add(s, times(tokens[s], w), times(usd, w), atMax * w);
  }
}

/** Every kind of `t` times `w`. */
function times(t: TokenBreakdown, w: number): TokenBreakdown {
  const out = { ...t };
  for (const kind of Object.keys(out) as Array<keyof TokenBreakdown>) out[kind] *= w;
  return out;
}

/** Tokens of one request in each scenario, from its breakpoint path. */
function scenarioTokens(
  path: readonly BreakpointNode[],
  deltaOf: ReadonlyMap<PlannedBreakpoint, number>,
  totalInput: number,
  tail: number,
  output: number,
): Record<ScenarioName, TokenBreakdown> {
  const uncached = { ...zeroTokens(), input: totalInput, output };
  const cached = () => ({ ...zeroTokens(), input: tail, output });
  const t = {
    standard: uncached,
    batch: { ...uncached },
    ideal: cached(),
    planned: cached(),
    worst: cached(),
  };
  for (const { bp } of path) {
    const delta = deltaOf.get(bp)!;
    const n = Math.max(1, bp.requests);
    const write = bp.ttl === "1h" ? "cacheWrite1h" : "cacheWrite5m";
    // ideal: written once, read by the others.
    t.ideal[write] += delta / n;
    t.ideal.cacheRead += (delta * (n - 1)) / n;
    // planned: the plan's expected writes and reads, spread evenly over the requests that carry it.
    const w = bp.expectedWrites / n;
    const r = bp.expectedReads / n;
    t.planned[write] += delta * w;
    t.planned.cacheRead += delta * r;
    t.planned.input += delta * Math.max(0, 1 - w - r);
    // worst: every request writes, nothing is read.
    t.worst[write] += delta;
  }
  return t;
}
