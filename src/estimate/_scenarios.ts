/**
 * Each request priced in every scenario (internal), summed into the job's, each model's and each
 * group's buckets; the sensitivity runs' `planned` summed beside them.
 */
import { costByKind, type TokenBreakdown, zeroTokens } from "../pricing/cost.js";
import type { PlannedBreakpoint } from "../types.js";
import { Bucket } from "./_accumulate.js";
import { deepest, type EstimateCounts } from "./_counts.js";
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

/** Prices every request in every scenario and adds it to its buckets. */
export function priceRequests(
  job: EstimateJob,
  groups: number,
  counts: EstimateCounts,
  runs: PlannedRuns,
  output: EstimateOutputAssumption,
): ScenarioSums {
  const sums: ScenarioSums = {
    total: new Bucket(),
    byModel: new Map(),
    byGroup: Array.from({ length: groups }, () => new Bucket()),
    otherTotal: runs.others.map(() => 0),
    otherByModel: new Map(),
    otherByGroup: Array.from({ length: groups }, () => runs.others.map(() => 0)),
    assumedOutput: 0,
    maxOutput: 0,
    usRequests: 0,
    tiered: 0,
    strays: 0,
  };
  const { deltaOf, tailOf } = counts;
  job.records.forEach((r, i) => {
    const node = deepest(r);
    const prefix = node ? counts.prefixOf.get(node.bp)! : 0;
    const tail = tailOf[i]!;
    const out =
      output.kind === "tokens"
        ? Math.min(output.tokens, r.maxTokens)
        : output.fraction * r.maxTokens;
    sums.assumedOutput += out;
    sums.maxOutput += r.maxTokens;
    if (r.geo === "us" && r.info.usGeoMultiplierApplies) sums.usRequests += 1;
    if (r.info.tiers.some((t) => prefix + tail > t.aboveInputTokens)) sums.tiered += 1;
    if ([...r.markers].some((d) => d > (node?.bp.depth ?? 0))) sums.strays += 1;

    const tokens = scenarioTokens(r.path, deltaOf, prefix + tail, tail, out);
    const expected = tokens.planned;
    const outcome = runs.main?.outcomes[i];
    if (outcome) tokens.planned = simulatedTokens(r.path, outcome, deltaOf, tail, out);
    if (runs.others.length > 0) addSensitivity(sums, runs, r, i, expected, counts, tail, out);
    addToBuckets(sums, r, counts.tails?.unsampled[i] === 1 ? i : -1, counts, tokens);
  });
  return sums;
}

/** The sensitivity runs' `planned` USD of one request, added to the job's, model's and group's. */
function addSensitivity(
  sums: ScenarioSums,
  runs: PlannedRuns,
  r: EstimateRecord,
  i: number,
  expected: TokenBreakdown,
  counts: EstimateCounts,
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
    const t = o ? simulatedTokens(r.path, o, counts.deltaOf, tail, out) : expected;
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
  r: EstimateRecord,
  unsampled: number,
  counts: EstimateCounts,
  tokens: Record<ScenarioName, TokenBreakdown>,
): void {
  const { byModel } = sums;
  const buckets = [
    sums.total,
    byModel.get(r.model) ?? byModel.set(r.model, new Bucket()).get(r.model)!,
  ];
  if (r.group >= 0) buckets.push(sums.byGroup[r.group]!);
  for (const bucket of buckets) {
    bucket.requests += 1;
    if (unsampled >= 0) {
      bucket.unsampled += 1;
      for (let j = 0; j < PREDICTORS; j++)
        bucket.predictors[j]! += counts.tails!.predictors[unsampled * PREDICTORS + j]!;
    }
  }
  for (const s of SCENARIOS) {
    const flags = { batch: s !== "standard", geo: r.geo };
    const usd = costByKind(r.info, tokens[s], flags);
    const atMax = costByKind(r.info, { ...tokens[s], output: r.maxTokens }, flags).output;
    for (const bucket of buckets) bucket.add(s, tokens[s], usd, atMax);
  }
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
