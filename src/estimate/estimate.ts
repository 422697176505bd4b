/**
 * `estimate()`: what a plan will cost, before anything is sent, in five scenarios (see
 * `ScenarioName`). Pure apart from the token counter it is given: no clock, no disk; the exact
 * counter's network and cache live in `tokens/exact.ts`.
 *
 * Per request: the shared prefix comes from the plan's breakpoints (`prefixTokens`, nested ones as
 * differences), the unique tail is counted (or sampled) with the counter, output is an assumption.
 * What `planned` writes and reads comes from a simulated run of the plan (`_simulated.ts`), or
 * from the plan's expectations. Each scenario's tokens are priced per request with `costByKind()`,
 * so `inference_geo` and long-context tiers apply per request, then summed per group, per model
 * and for the job.
 */
import { OptionsError } from "../errors.js";
import { costByKind, type TokenBreakdown, zeroTokens } from "../pricing/cost.js";
import { defaultModelTable, type ModelInfo } from "../pricing/models.js";
import { rowOf, unknownModelMessage } from "../pricing/unknown-model.js";
import { lastCacheable, type WalkedSegment, walkedSegments } from "../request/segments.js";
import { SIM_DEFAULTS } from "../sim/params.js";
import type { TokenCounter } from "../tokens/counter.js";
import { isPrefixCounter } from "../tokens/exact.js";
import { createTiktokenCounter } from "../tokens/tiktoken.js";
import type { Plan, PlannedBreakpoint } from "../types.js";
import type { Json } from "../util/json.js";
import { wholeNumber } from "../util/options.js";
import { Bucket, figures, roundUsd, Z95 } from "./_accumulate.js";
import { type BreakpointContext, breakEvenHitRate, writeNotes } from "./_notes.js";
import { type BreakpointNode, breakpointTree, type PathMember, resolvePaths } from "./_paths.js";
import { prefixTokens } from "./_prefixes.js";
import { countParams } from "./_segments.js";
import {
  SENSITIVITY_MAX_REQUESTS,
  type SimulatedRun,
  simulatedTokens,
  simulatePlan,
} from "./_simulated.js";
import { countTails, PREDICTORS, type TailCounts, tailVariance } from "./_tails.js";
import type {
  Estimate,
  EstimateCalibration,
  EstimateOptions,
  EstimateOutputAssumption,
  GroupEstimate,
  ModelEstimate,
  PlannedModelInfo,
  PlannedRange,
  ScenarioName,
} from "./types.js";
import { SCENARIOS } from "./types.js";

/** Default output assumption: half of each request's `max_tokens` (the middle of the range). */
export const DEFAULT_OUTPUT_FRACTION = 0.5;
/** Default most requests per model whose unique tails are tokenized in `"sampled"` mode. */
export const DEFAULT_SAMPLE_SIZE = 1000;
export { SENSITIVITY_MAX_REQUESTS };

interface Rec extends PathMember {
  customId: string;
  model: string;
  info: ModelInfo;
  params: Json;
  geo: "us" | "global" | undefined;
  maxTokens: number;
  group: number;
}

function resolveOutput(options: EstimateOptions): EstimateOutputAssumption {
  const { outputTokens, outputFraction } = options;
  if (outputTokens !== undefined && outputFraction !== undefined)
    throw new OptionsError("Give `outputTokens` or `outputFraction`, not both.");
  if (outputTokens !== undefined) {
    if (!Number.isFinite(outputTokens) || outputTokens < 0)
      throw new OptionsError(
        `\`outputTokens\` must be a number >= 0; got ${String(outputTokens)}.`,
      );
    return { kind: "tokens", tokens: outputTokens };
  }
  const fraction = outputFraction ?? DEFAULT_OUTPUT_FRACTION;
  if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1)
    throw new OptionsError(`\`outputFraction\` must be from 0 to 1; got ${String(fraction)}.`);
  return { kind: "fraction", fraction };
}

/** Marker depths of a request; the top-level marker lands on its last cacheable block (§1.4). */
function markerDepths(params: Json, segments: readonly WalkedSegment[]): Set<number> {
  const depths = new Set<number>();
  segments.forEach((s, d) => {
    if (s.marker) depths.add(d + 1);
  });
  const last = lastCacheable(segments);
  if (params.cache_control != null && last >= 0) depths.add(last + 1);
  return depths;
}

/**
 * Estimates what a plan costs in the five scenarios, per group, per model and in total.
 *
 * A model not in the table is estimated with conservative cache facts and no price: its USD is
 * left out of every total, listed in `unpriced`, and the first note says how to supply a row.
 * @throws {OptionsError} when an option is out of range.
 *
 * @example
 * ```ts
 * const result = await plan(requests);
 * const costs = await estimate(result, { outputFraction: 0.3 });
 * costs.total.scenarios.planned.usd;
 * ```
 */
export async function estimate(plan: Plan, options: EstimateOptions = {}): Promise<Estimate> {
  const models = options.models ?? defaultModelTable;
  const counter: TokenCounter = options.counter ?? createTiktokenCounter({ models });
  const mode = options.count ?? (counter.estimated ? "sampled" : "full");
  if (mode !== "sampled" && mode !== "full")
    throw new OptionsError(`\`count\` must be "sampled" or "full"; got ${JSON.stringify(mode)}.`);
  const sampleSize = wholeNumber("sampleSize", options.sampleSize, DEFAULT_SAMPLE_SIZE, 2);
  const seed = wholeNumber("seed", options.seed, 1, 0);
  const output = resolveOutput(options);
  const plannedModel = options.plannedModel ?? "simulate";
  if (plannedModel !== "simulate" && plannedModel !== "expected")
    throw new OptionsError(
      `\`plannedModel\` must be "simulate" or "expected"; got ${JSON.stringify(plannedModel)}.`,
    );

  // Requests in plan order; the last wave first, which is the planner's depth-first order.
  const groupOf = new Map<string, number>();
  plan.groups.forEach((g, k) => {
    for (const id of g.customIds) groupOf.set(id, k);
  });
  const lastWave = plan.batches.reduce((m, b) => Math.max(m, b.wave), 0);
  const records: Rec[] = [];
  const unknown = new Map<string, number>();
  let position = 0;
  for (const batch of plan.batches) {
    for (const request of batch.requests) {
      position += 1;
      const params = request.params as unknown as Json;
      const model = String(params.model);
      // A model without a row is estimated with the stand-in row: its tokens count, its USD is
      // left out (priced at nothing, and said so) — the one unknown-model policy.
      const { info, known } = rowOf(models, model);
      if (!known) unknown.set(model, (unknown.get(model) ?? 0) + 1);
      const segments = walkedSegments(params);
      records.push({
        customId: request.custom_id,
        model,
        info,
        params,
        geo:
          params.inference_geo === "us"
            ? "us"
            : params.inference_geo === "global"
              ? "global"
              : undefined,
        maxTokens: typeof params.max_tokens === "number" ? params.max_tokens : 0,
        group: groupOf.get(request.custom_id) ?? -1,
        segments,
        markers: markerDepths(params, segments),
        order: (batch.wave === lastWave ? 0 : 1e12) + position,
        path: [],
      });
    }
  }

  // Breakpoint paths per group.
  const trees = plan.groups.map((g) => breakpointTree(g));
  const membersOf = plan.groups.map((): Rec[] => []);
  for (const r of records) if (r.group >= 0) membersOf[r.group]!.push(r);
  membersOf.forEach((members, g) => {
    members.sort((a, b) => a.order - b.order);
    resolvePaths(trees[g]!, members);
  });

  const prefixOf = await prefixTokens(plan, counter, trees, membersOf);
  const deltaOf = new Map<PlannedBreakpoint, number>();
  for (const tree of trees) {
    for (const node of tree) {
      const parent = node.parent ? prefixOf.get(node.parent.bp)! : 0;
      deltaOf.set(node.bp, Math.max(0, prefixOf.get(node.bp)! - parent));
    }
  }
  const deepest = (r: Rec) => r.path[r.path.length - 1];

  // Unique tails.
  let tails: TailCounts | undefined;
  const tailOf = new Float64Array(records.length);
  if (isPrefixCounter(counter) && mode === "full") {
    // The API's count of each whole request, minus its cached prefix.
    const totals = await counter.countPrefixes(
      records.map((r) => ({ params: countParams(r.params, r.segments), complete: true })),
    );
    records.forEach((r, i) => {
      const node = deepest(r);
      tailOf[i] = Math.max(0, totals[i]! - (node ? prefixOf.get(node.bp)! : 0));
    });
  } else {
    tails = await countTails(
      records.map((r) => ({
        model: r.model,
        segments: r.segments,
        from: deepest(r)?.bp.depth ?? 0,
        stratum: r.group,
      })),
      counter,
      { mode, sampleSize, seed },
    );
    tailOf.set(tails.tokens);
  }

  // Calibration: scale each model's counts by the factor a report measured (actual ÷ estimated).
  const calibrated = applyCalibration(options.calibration, {
    groups: plan.groups.map((g) => g.model),
    trees,
    prefixOf,
    deltaOf,
    records,
    tailOf,
  });

  // What `planned` writes and reads: the default run first, then the sensitivity runs.
  const simParams = options.simParams ?? {};
  const concurrency = simParams.concurrency ?? plan.options.concurrency;
  const sensitivity = options.sensitivity ?? records.length <= SENSITIVITY_MAX_REQUESTS;
  const concurrencies = [concurrency];
  if (sensitivity) {
    for (const c of [Math.max(1, Math.round(concurrency / 4)), concurrency * 4])
      if (!concurrencies.includes(c)) concurrencies.push(c);
  }
  const runs: SimulatedRun[] =
    plannedModel === "simulate"
      ? simulatePlan(plan, records, {
          deltaOf,
          models,
          simParams,
          output,
          concurrencies,
        })
      : [];
  const [main, ...others] = runs;
  // Planned USD of the sensitivity runs: the job, per model, per group.
  const otherTotal = others.map(() => 0);
  const otherByModel = new Map<string, number[]>();
  const otherByGroup = plan.groups.map(() => others.map(() => 0));
  /** `planned` of the default run (`usd`, from the figures) and of the sensitivity runs (`sums`). */
  const plannedRange = (usd: number, sums: readonly number[] | undefined): PlannedRange | null => {
    if (main === undefined || others.length === 0) return null;
    const list = [
      { concurrency: main.concurrency, usd },
      ...others.map((run, k) => ({ concurrency: run.concurrency, usd: roundUsd(sums?.[k] ?? 0) })),
    ].sort((a, b) => a.concurrency - b.concurrency);
    const values = list.map((run) => run.usd);
    return { low: Math.min(...values), high: Math.max(...values), runs: list };
  };

  // Scenarios, per request.
  const total = new Bucket();
  const byModel = new Map<string, Bucket>();
  const byGroup = plan.groups.map(() => new Bucket());
  let assumedOutput = 0;
  let maxOutput = 0;
  let usRequests = 0;
  let tiered = 0;
  let strays = 0;
  records.forEach((r, i) => {
    const node = deepest(r);
    const prefix = node ? prefixOf.get(node.bp)! : 0;
    const tail = tailOf[i]!;
    const out =
      output.kind === "tokens"
        ? Math.min(output.tokens, r.maxTokens)
        : output.fraction * r.maxTokens;
    assumedOutput += out;
    maxOutput += r.maxTokens;
    if (r.geo === "us" && r.info.usGeoMultiplierApplies) usRequests += 1;
    if (r.info.tiers.some((t) => prefix + tail > t.aboveInputTokens)) tiered += 1;
    if ([...r.markers].some((d) => d > (node?.bp.depth ?? 0))) strays += 1;

    const tokens = scenarioTokens(r.path, deltaOf, prefix + tail, tail, out);
    const expected = tokens.planned;
    const outcome = main?.outcomes[i];
    if (outcome) tokens.planned = simulatedTokens(r.path, outcome, deltaOf, tail, out);
    if (others.length > 0) {
      const batchFlags = { batch: true, geo: r.geo };
      let modelSums = otherByModel.get(r.model);
      if (modelSums === undefined) {
        modelSums = others.map(() => 0);
        otherByModel.set(r.model, modelSums);
      }
      others.forEach((run, k) => {
        const o = run.outcomes[i];
        const t = o ? simulatedTokens(r.path, o, deltaOf, tail, out) : expected;
        const u = costByKind(r.info, t, batchFlags);
        const usd = u.input + u.cacheWrite5m + u.cacheWrite1h + u.cacheRead + u.output;
        otherTotal[k]! += usd;
        modelSums[k]! += usd;
        if (r.group >= 0) otherByGroup[r.group]![k]! += usd;
      });
    }
    const buckets = [
      total,
      byModel.get(r.model) ?? byModel.set(r.model, new Bucket()).get(r.model)!,
    ];
    if (r.group >= 0) buckets.push(byGroup[r.group]!);
    const unsampled = tails?.unsampled[i] === 1;
    for (const bucket of buckets) {
      bucket.requests += 1;
      if (unsampled) {
        bucket.unsampled += 1;
        for (let j = 0; j < PREDICTORS; j++)
          bucket.predictors[j]! += tails!.predictors[i * PREDICTORS + j]!;
      }
    }
    for (const s of SCENARIOS) {
      const flags = { batch: s !== "standard", geo: r.geo };
      const usd = costByKind(r.info, tokens[s], flags);
      const atMax = costByKind(r.info, { ...tokens[s], output: r.maxTokens }, flags).output;
      for (const bucket of buckets) bucket.add(s, tokens[s], usd, atMax);
    }
  });

  // Figures and margins (variances add across models: their samples are independent).
  const varianceOf = (model: string, bucket: Bucket) =>
    tails ? tailVariance(tails, model, bucket.unsampled, bucket.predictors) : 0;
  const modelVariance = new Map([...byModel].map(([m, b]) => [m, varianceOf(m, b)]));
  const modelFigures: Record<string, ModelEstimate> = {};
  for (const [model, bucket] of byModel) {
    const v = modelVariance.get(model)!;
    const f = figures(bucket, v, (s) => Z95 * Math.sqrt(v) * bucket.inputRate(s));
    modelFigures[model] = {
      ...f,
      plannedRange: plannedRange(f.scenarios.planned.usd, otherByModel.get(model)),
      priceConfidence: rowOf(models, model).info.priceConfidence,
      ...(unknown.has(model) ? { priced: false as const } : {}),
    };
  }
  const totalMargin = (s: ScenarioName) =>
    Z95 *
    Math.sqrt(
      [...byModel].reduce((sum, [m, b]) => sum + modelVariance.get(m)! * b.inputRate(s) ** 2, 0),
    );
  const totalVariance = [...modelVariance.values()].reduce((a, b) => a + b, 0);

  const contexts: BreakpointContext[][] = trees.map((tree, g) => {
    return tree.map((node) => ({
      bp: node.bp,
      delta: deltaOf.get(node.bp)!,
      readMultiplier: rowOf(models, plan.groups[g]!.model).info.readMultiplier,
    }));
  });
  const groups: GroupEstimate[] = plan.groups.map((g, k) => {
    const bucket = byGroup[k]!;
    const v = varianceOf(g.model, bucket);
    const f = figures(bucket, v, (s) => Z95 * Math.sqrt(v) * bucket.inputRate(s));
    return {
      id: g.id,
      model: g.model,
      ...f,
      plannedRange: plannedRange(f.scenarios.planned.usd, otherByGroup[k]),
      breakEvenHitRate: breakEvenHitRate(contexts[k]!),
    };
  });
  const totalFigures = figures(total, totalVariance, totalMargin);
  totalFigures.plannedRange = plannedRange(totalFigures.scenarios.planned.usd, otherTotal);
  const plannedInfo: PlannedModelInfo = main
    ? {
        kind: "simulate",
        concurrency: main.concurrency,
        seed: simParams.seed ?? SIM_DEFAULTS.seed,
        sensitivity: others.length > 0 ? [...concurrencies].sort((a, b) => a - b) : null,
        fallbackRequests: main.fallbacks,
        wallTimeMs: Math.round(main.wallTimeMs),
      }
    : { kind: "expected", concurrency: plan.options.concurrency };

  const result: Estimate = {
    counter: counter.name,
    estimated: counter.estimated || (tails !== undefined && total.unsampled > 0),
    count: {
      mode,
      sampledRequests: tails ? tails.sampledRequests : records.length,
      requests: records.length,
      seed,
      charsPerToken: tails?.charsPerToken ?? {},
    },
    output: { assumption: output, assumedTokens: Math.round(assumedOutput), maxTokens: maxOutput },
    plannedModel: plannedInfo,
    byModel: modelFigures,
    groups,
    total: totalFigures,
    notes: [],
    ...(unknown.size > 0
      ? { unpriced: [...unknown].map(([model, requests]) => ({ model, requests })) }
      : {}),
    ...splitTextSaving(plan),
  };
  const calibrationNote =
    calibrated.length > 0
      ? [
          `Token counts calibrated by a report's measurement: ${calibrated.map(([m, f]) => `${m} ×${f.toFixed(4)}`).join(", ")}${options.calibration!.counter !== counter.name ? ` (measured against \`${options.calibration!.counter}\`, applied to \`${counter.name}\`)` : ""}.`,
        ]
      : [];
  result.notes = writeNotes(result, {
    plan,
    models,
    counterEstimated: counter.estimated,
    usRequests,
    tiered,
    strays,
  });
  result.notes.unshift(...calibrationNote);
  if (unknown.size > 0) result.notes.unshift(unknownModelMessage(unknown));
  return result;
}

/**
 * Multiplies each model's prefix, breakpoint and tail token counts by its calibration factor, in
 * place; returns the factors applied. A factor must be a positive number.
 */
function applyCalibration(
  calibration: EstimateCalibration | undefined,
  data: {
    groups: readonly string[];
    trees: ReadonlyArray<readonly BreakpointNode[]>;
    prefixOf: Map<PlannedBreakpoint, number>;
    deltaOf: Map<PlannedBreakpoint, number>;
    records: readonly Rec[];
    tailOf: Float64Array;
  },
): Array<[string, number]> {
  if (!calibration) return [];
  const factors = new Map<string, number>();
  for (const [model, entry] of Object.entries(calibration.models)) {
    if (!(typeof entry?.factor === "number" && Number.isFinite(entry.factor) && entry.factor > 0)) {
      throw new OptionsError(
        `\`calibration.models["${model}"].factor\` must be a positive number; got ${JSON.stringify(entry?.factor)}.`,
      );
    }
    factors.set(model, entry.factor);
  }
  data.trees.forEach((tree, g) => {
    const f = factors.get(data.groups[g]!);
    if (f === undefined) return;
    for (const node of tree) {
      data.prefixOf.set(node.bp, data.prefixOf.get(node.bp)! * f);
      data.deltaOf.set(node.bp, data.deltaOf.get(node.bp)! * f);
    }
  });
  data.records.forEach((r, i) => {
    const f = factors.get(r.model);
    if (f !== undefined) data.tailOf[i]! *= f;
  });
  const used = new Set(data.records.map((r) => r.model));
  return [...factors].filter(([m]) => used.has(m));
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

/** What `splitText` would save, summed over the plan's `split-text` warnings (issue 13). */
function splitTextSaving(plan: Plan): Pick<Estimate, "splitText"> {
  let groups = 0;
  let requests = 0;
  let savingUsd = 0;
  for (const w of plan.warnings) {
    if (w.kind !== "split-text") continue;
    groups += 1;
    requests += w.requests;
    savingUsd += w.savingUsd ?? 0;
  }
  return groups === 0 ? {} : { splitText: { groups, requests, savingUsd } };
}
