/**
 * The estimate of a plan folder too large to hold (internal; issue 14 item 3). The batch files
 * are read once, in worker threads, into a few numbers per request and per segment
 * (`_folder-read.ts`); paths are resolved on those (`_folder-paths.ts`); the tails are counted and
 * predicted as `_tails.ts` does (`sampleTails()`: tail pieces shared by two or more requests
 * counted once, unique ones tokenized for the same seeded sample stratified by group and predicted
 * for the others by the same fit), the sample's and the shared pieces' requests read again from
 * their batches; each request is priced with the same code as `estimate()` (`priceRequest()`).
 * At the same sample size and seed its figures are `estimate()`'s (test/estimate/folder-tails.test.ts).
 *
 * What differs from `estimate()`, and is said in the first note:
 * - unique pieces of a kind the fit lacks are predicted at the sample's chars per token
 *   (`estimate()` counts them), outside the margin;
 * - `usdRange` is widened by the 95% sampling margin (`usdMargin95`), so it holds the sampling
 *   error as well as the output assumption;
 * - `planned` is the plan's expected writes and reads: the simulated run needs every request in
 *   memory. `plannedModel: "simulate"`, `sensitivity: true`, `count: "full"` and any counter but
 *   the offline one are refused with an `OptionsError` saying why and what to do.
 */
import { OptionsError } from "../errors.js";
import { type PlanFile, planRequests } from "../io/plan-dir.js";
import { rowOf, unknownModelMessage } from "../pricing/unknown-model.js";
import { segmentHash, walkedSegments } from "../request/segments.js";
import { withTargetRows } from "../targets/rows.js";
import type { SegmentCountRequest, TokenCounter } from "../tokens/counter.js";
import { isPrefixCounter } from "../tokens/exact.js";
import type { BatchRequest } from "../types.js";
import type { Json } from "../util/json.js";
import { roundUsd } from "./_accumulate.js";
import { breakpointCounts } from "./_counts.js";
import { estimateFigures } from "./_figures.js";
import { type CompactPaths, compactPaths, needsKeys } from "./_folder-paths.js";
import { type CompactJob, readCompact } from "./_folder-read.js";
import {
  KIND_CODE,
  MAX_MARKERS,
  readLines,
  type SegmentTable,
  SLOT_WIDTH,
} from "./_folder-scan.js";
import { writeNotes } from "./_notes.js";
import { type EstimateSettings, resolveEstimateOptions } from "./_options.js";
import { type PlannedRuns, plannedInfo } from "./_planned-runs.js";
import type { PrefixMember } from "./_prefixes.js";
import { type Fit, fitLinear, predict } from "./_regression.js";
import { emptySums, priceRequest } from "./_scenarios.js";
import { drawSample } from "./_tails.js";
import { applyCalibration, calibrationNotes } from "./calibration.js";
import { splitTextSaving } from "./estimate.js";
import { type Estimate, type EstimateFigures, type EstimateOptions, SCENARIOS } from "./types.js";

/** The counter whose media figures the workers reproduce. */
const OFFLINE_COUNTER = "tiktoken-estimate";

/** Refuses what the large-plan estimate cannot do, saying why and what to do. */
function refuse(options: EstimateOptions, settings: EstimateSettings, n: number) {
  const size = `${n.toLocaleString("en-US")} requests`;
  const why = `this plan (${size}) is estimated from its folder one request at a time, without holding it`;
  if (
    settings.mode === "full" ||
    isPrefixCounter(settings.counter) ||
    settings.counter.name !== OFFLINE_COUNTER
  )
    throw new OptionsError(
      `Counting every unique tail (\`count: "full"\`, or a counter other than the offline \`${OFFLINE_COUNTER}\`) is not supported at this scale: ${why}, and its tails are sampled with the offline counter. Leave \`count\` and \`counter\` unset (CLI: \`--count estimate\`), or estimate a part of the job.`,
    );
  if (options.plannedModel === "simulate" || options.sensitivity === true)
    throw new OptionsError(
      `The simulated \`planned\` run (\`plannedModel: "simulate"\`, \`sensitivity\`) needs every request in memory, and ${why}. Leave them unset: \`planned\` then uses the plan's expected writes and reads (CLI: drop \`--planned-model simulate\` / \`--sensitivity\`).`,
    );
}

/** The estimate of the large plan in `dir` (its `plan.json` read as `file`). */
export async function estimateLarge(
  dir: string,
  file: PlanFile,
  options: EstimateOptions,
): Promise<Estimate> {
  options = await withTargetRows(file.options.target, options);
  const settings = resolveEstimateOptions(options);
  const total = file.batches.reduce((s, b) => s + b.requestCount, 0);
  refuse(options, settings, total);
  const { models, counter } = settings;
  const job = await readCompact(dir, file, {
    models,
    // The sample is drawn after the read, stratified by group (`sampleTails()`).
    sampleSize: 0,
    seed: settings.seed,
    keyed: needsKeys(file.groups),
  });
  const waves = file.batches.map((b) => b.wave);
  const lastWave = Math.max(0, ...waves);
  const paths = compactPaths(file.groups, job, (i) => waves[batchOf(job, i)]!, lastWave);
  const members =
    counter.name === file.options.counter ? [] : [await prefixMembers(dir, file, job, paths)];
  const counts = await breakpointCounts(file, counter, paths.trees, members);
  const tails = await sampleTails(dir, file, job, paths, counter, settings);
  const infos = job.modelNames.map((m) => rowOf(models, m));
  const unknown = new Map<string, number>();
  const factors = calibrate(options, file, paths, counts, job);

  const runs: PlannedRuns = {
    main: undefined,
    others: [],
    concurrencies: [file.options.concurrency],
  };
  const sums = emptySums(file.groups.length, 0);
  // Requests equal but for their tails are priced once, at their mean tail, times their number:
  // every scenario is linear in the tail within one long-context tier (the tier is in the key).
  const classes = new Map<string, PriceClass>();
  let unsampledCount = 0;
  const z = [0, 0, 0];
  for (let i = 0; i < job.n; i++) {
    const m = job.model[i]!;
    const k = paths.deepest[i]!;
    const tail = tails.tailOf(i, k, z);
    const name = job.modelNames[m]!;
    const tokens = tail * (factors.get(name) ?? 1);
    const predicted = z[2]! > 0;
    const { info } = infos[m]!;
    const node = k >= 0 ? paths.nodes[k]! : undefined;
    const prefix = node ? counts.prefixOf.get(node.bp)! : 0;
    let tier = 0;
    for (const t of info.tiers) if (prefix + tokens > t.aboveInputTokens) tier += 1;
    const depth = node?.bp.depth ?? 0;
    let stray = 0;
    for (let j = 0; j < MAX_MARKERS; j++) if (job.markers[i * MAX_MARKERS + j]! > depth) stray = 1;
    const key = `${m} ${job.geo[i]} ${job.group[i]} ${k} ${job.maxTokens[i]} ${tier} ${stray} ${predicted ? 1 : 0}`;
    let c = classes.get(key);
    if (c === undefined) {
      c = { first: i, weight: 0, tail: 0, predicted: 0, z: [0, 0, 0] };
      classes.set(key, c);
    }
    c.weight += 1;
    c.tail += tokens;
    if (predicted) {
      unsampledCount += 1;
      c.predicted += 1;
      for (let j = 0; j < 3; j++) c.z[j]! += z[j]!;
    }
  }
  for (const c of classes.values()) {
    const i = c.first;
    const m = job.model[i]!;
    const name = job.modelNames[m]!;
    if (!infos[m]!.known) unknown.set(name, (unknown.get(name) ?? 0) + c.weight);
    const k = paths.deepest[i]!;
    const g = job.geo[i]!;
    priceRequest(
      sums,
      {
        model: name,
        info: infos[m]!.info,
        geo: g === 1 ? "us" : g === 2 ? "global" : undefined,
        maxTokens: job.maxTokens[i]!,
        group: job.group[i]!,
        path: k >= 0 ? paths.pathOf[k]! : [],
        markers: job.markers.subarray(i * MAX_MARKERS, (i + 1) * MAX_MARKERS),
      },
      {
        index: i,
        tail: c.tail / c.weight,
        unsampled: c.predicted > 0 ? c.z : undefined,
        weight: c.weight,
        predicted: c.predicted,
      },
      counts,
      runs,
      settings.output,
    );
  }
  const figures = estimateFigures({
    plan: file,
    models,
    job: { trees: paths.trees, unknown },
    counts: { deltaOf: counts.deltaOf, tails: { fits: tails.fits } },
    runs,
    sums,
  });
  for (const f of [figures.total, ...Object.values(figures.byModel), ...figures.groups]) widen(f);
  const result: Estimate = {
    counter: counter.name,
    estimated: counter.estimated || unsampledCount > 0,
    count: {
      mode: "sampled",
      sampledRequests: job.n - unsampledCount,
      requests: job.n,
      seed: settings.seed,
      charsPerToken: tails.charsPerToken,
    },
    output: {
      assumption: settings.output,
      assumedTokens: Math.round(sums.assumedOutput),
      maxTokens: sums.maxOutput,
    },
    plannedModel: plannedInfo(file, runs, options),
    ...figures,
    notes: [],
    ...(unknown.size > 0
      ? { unpriced: [...unknown].map(([model, requests]) => ({ model, requests })) }
      : {}),
    ...splitTextSaving(file),
  };
  result.notes = writeNotes(result, {
    plan: file,
    models,
    counterEstimated: counter.estimated,
    usRequests: sums.usRequests,
    tiered: sums.tiered,
    strays: sums.strays,
    onePass: true,
  });
  result.notes.unshift(
    scaleNote(file, result, tails.fallbacks),
    ...calibrationNotes([...factors], options, counter.name),
  );
  if (unknown.size > 0) result.notes.unshift(unknownModelMessage(unknown));
  return result;
}

/** Requests priced together: the first one, how many, their tails and predicted tails' predictors. */
interface PriceClass {
  first: number;
  weight: number;
  tail: number;
  predicted: number;
  z: number[];
}

/** The batch (index in `plan.json` `batches`) of the request at global index `i`. */
function batchOf(job: CompactJob, i: number): number {
  let lo = 0;
  let hi = job.offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (job.offsets[mid]! <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** `usdRange` widened by the sampling margin, so that it holds the sampling error too. */
function widen(f: EstimateFigures): void {
  for (const s of SCENARIOS) {
    const c = f.scenarios[s];
    c.usdRange = {
      low: roundUsd(Math.max(0, c.usdRange.low - c.usdMargin95)),
      high: roundUsd(c.usdRange.high + c.usdMargin95),
    };
  }
}

function scaleNote(file: PlanFile, result: Estimate, fallbacks: number): string {
  const gb = file.batches.reduce((s, b) => s + b.bytes, 0) / 1e9;
  const { count } = result;
  const predicted = count.requests - count.sampledRequests;
  const extra =
    fallbacks > 0
      ? ` ${fallbacks.toLocaleString("en-US")} tails hold a kind of content the sample lacked; they are predicted at the sample's chars per token, outside the margin.`
      : "";
  return `Large plan (${count.requests.toLocaleString("en-US")} requests, ${gb.toFixed(2)} GB of batch files): read once from its folder without holding it. ${count.sampledRequests.toLocaleString("en-US")} unique tails were tokenized (a seeded sample per model, stratified by group, seed ${count.seed}; tail pieces shared by several requests are counted) and ${predicted.toLocaleString("en-US")} predicted from their sizes; each \`usdRange\` includes the 95% sampling margin. \`planned\` uses the plan's expected writes and reads: the simulated run needs the whole plan in memory.${extra}`;
}

/** Calibration factors per model, applied to the prefixes here and to the tails by the caller. */
function calibrate(
  options: EstimateOptions,
  file: PlanFile,
  paths: CompactPaths,
  counts: Awaited<ReturnType<typeof breakpointCounts>>,
  job: CompactJob,
): Map<string, number> {
  const used = applyCalibration(
    options.calibration,
    file,
    { trees: paths.trees, records: job.modelNames.map((model) => ({ model })) },
    { ...counts, tailOf: new Float64Array(job.modelNames.length) },
  );
  return new Map(used);
}

/** The first member of each breakpoint, read again from its batch: whose prefix is counted. */
async function prefixMembers(
  dir: string,
  file: PlanFile,
  job: CompactJob,
  paths: CompactPaths,
): Promise<PrefixMember[]> {
  const wanted = new Map<number, number[]>();
  paths.first.forEach((i, k) => {
    if (i >= 0) (wanted.get(i) ?? wanted.set(i, []).get(i)!).push(k);
  });
  const batches = [...new Set([...wanted.keys()].map((i) => batchOf(job, i)))].sort(
    (a, b) => a - b,
  );
  const found: Array<PrefixMember & { node: number }> = [];
  for await (const line of planRequests(dir, file, { batches, unique: false })) {
    const i = job.offsets[file.batches.indexOf(line.batch)]! + line.position;
    const nodes = wanted.get(i);
    if (!nodes) continue;
    const params = line.request.params as unknown as Json;
    const segments = walkedSegments(params);
    for (const node of nodes)
      found.push({
        node,
        model: String(params.model),
        params,
        segments,
        path: paths.pathOf[node]!,
      });
  }
  return found.sort((a, b) => a.node - b.node);
}

/** The sampled tails, the fit per model, and each request's tail. */
interface SampledTails {
  fits: Map<string, Fit>;
  charsPerToken: Record<string, number>;
  fallbacks: number;
  /**
   * Tail tokens of request `i` (deepest node `k`); its predictors go to `z` when its tail was
   * predicted, zeros otherwise.
   */
  tailOf(i: number, k: number, z: number[]): number;
}

/** A request's segments in its batch's `SegmentTable`: the table and the range. */
function segmentsOf(job: CompactJob, i: number): { t: SegmentTable; a: number; e: number } {
  const b = batchOf(job, i);
  const t = job.segments[b]!;
  const local = i - job.offsets[b]!;
  return { t, a: t.start[local]!, e: t.start[local + 1]! };
}

/** Per model, the keys of tail pieces that occur in two or more requests' tails. */
function sharedKeys(job: CompactJob, fromOf: (i: number) => number): Set<number>[] {
  const keys: number[][] = job.modelNames.map(() => []);
  for (let i = 0; i < job.n; i++) {
    const { t, a, e } = segmentsOf(job, i);
    const list = keys[job.model[i]!]!;
    for (let s = a + fromOf(i); s < e; s++) if (t.kind[s] !== KIND_CODE.media) list.push(t.key[s]!);
  }
  return keys.map((list) => {
    const sorted = Float64Array.from(list).sort();
    const shared = new Set<number>();
    for (let j = 1; j < sorted.length; j++) if (sorted[j] === sorted[j - 1]) shared.add(sorted[j]!);
    return shared;
  });
}

/**
 * The tails as `_tails.ts` counts them, from the segment tables: tail pieces shared by two or more
 * requests of a model (each counted once) and media are counted; unique pieces are tokenized for a
 * sample drawn by `_tails.ts`' own `drawSample()` (seeded, per model, stratified by group) and the
 * others predicted by the same fit on the same predictors (chars of text, chars of JSON, blocks of
 * the unique pieces). The sample's and the shared pieces' params are read again from their batches.
 */
async function sampleTails(
  dir: string,
  file: PlanFile,
  job: CompactJob,
  paths: CompactPaths,
  counter: TokenCounter,
  options: { sampleSize: number; seed: number },
): Promise<SampledTails> {
  const S = job.slots.length;
  const slotOfNode = paths.nodes.map((node) => job.slots.indexOf(node.bp.depth));
  const slotOf = (i: number) => {
    const k = paths.deepest[i]!;
    return k >= 0 ? slotOfNode[k]! : 0;
  };
  const fromOf = (i: number) => job.slots[slotOf(i)]!;
  const media = (i: number) => job.tails[(i * S + slotOf(i)) * SLOT_WIDTH + 3]!;
  const shared = sharedKeys(job, fromOf);
  // Unique pieces' predictors per request; shared pieces' representatives; the populations.
  const z = new Float64Array(job.n * 3);
  const wanted = new Map<string, { i: number; d: number }>();
  const population = new Map<string, number[]>();
  for (let i = 0; i < job.n; i++) {
    const m = job.model[i]!;
    const { t, a, e } = segmentsOf(job, i);
    for (let s = a + fromOf(i); s < e; s++) {
      const kind = t.kind[s]!;
      if (kind === KIND_CODE.media) continue;
      if (shared[m]!.has(t.key[s]!)) {
        const key = `${m} ${t.key[s]}`;
        if (!wanted.has(key)) wanted.set(key, { i, d: s - a });
      } else {
        z[i * 3 + kind]! += t.chars[s]!;
        z[i * 3 + 2]! += 1;
      }
    }
    if (z[i * 3 + 2]! > 0) {
      const name = job.modelNames[m]!;
      (population.get(name) ?? population.set(name, []).get(name)!).push(i);
    }
  }
  const sampled = drawSample(job.n, (i) => job.group[i]!, population, options);
  const { sharedTokens, y } = await countNeeded(dir, file, job, {
    sampled,
    wanted,
    shared,
    fromOf,
    counter,
  });
  const pooled = { text: { x: 0, y: 0 }, json: { x: 0, y: 0 } };
  const fits = new Map<string, Fit>();
  for (const [model, list] of population) {
    const rows: number[][] = [];
    const ys: number[] = [];
    for (const i of list) {
      if (!sampled[i]) continue;
      const counted = y.get(i)!;
      rows.push([z[i * 3]!, z[i * 3 + 1]!, z[i * 3 + 2]!]);
      ys.push(counted.text + counted.json);
      pooled.text.x += z[i * 3]!;
      pooled.json.x += z[i * 3 + 1]!;
      pooled.text.y += counted.text;
      pooled.json.y += counted.json;
    }
    const fit = fitLinear(rows, ys);
    if (fit) fits.set(model, fit);
  }
  const chars = pooled.text.x + pooled.json.x;
  const tokens = pooled.text.y + pooled.json.y;
  const perChar = chars > 0 && tokens > 0 ? tokens / chars : 1 / 4;
  const charsPerToken: Record<string, number> = {};
  for (const kind of ["text", "json"] as const)
    if (pooled[kind].y > 0) charsPerToken[kind] = pooled[kind].x / pooled[kind].y;
  const sharedOf = (i: number) => {
    const m = job.model[i]!;
    const { t, a, e } = segmentsOf(job, i);
    let sum = 0;
    for (let s = a + fromOf(i); s < e; s++)
      if (t.kind[s] !== KIND_CODE.media && shared[m]!.has(t.key[s]!))
        sum += sharedTokens.get(`${m} ${t.key[s]}`)!;
    return sum;
  };
  const result: SampledTails = {
    fits,
    charsPerToken,
    fallbacks: 0,
    tailOf(i, _k, out) {
      out.fill(0);
      const counted = sharedOf(i) + media(i);
      if (z[i * 3 + 2]! === 0) return counted;
      const own = y.get(i);
      if (own !== undefined) return counted + own.text + own.json;
      const fit = fits.get(job.modelNames[job.model[i]!]!);
      // Chars of a kind the fit lacks are predicted at the sample's chars per token.
      let rest = 0;
      for (let j = 0; j < 2; j++) {
        if (fit?.kept[j] === true) out[j] = z[i * 3 + j]!;
        else rest += z[i * 3 + j]!;
      }
      if (rest > 0) result.fallbacks += 1;
      if (out[0]! + out[1]! === 0) return counted + rest * perChar;
      out[2] = z[i * 3 + 2]!;
      return counted + Math.max(0, predict(fit!.beta, out)) + rest * perChar;
    },
  };
  return result;
}

/**
 * Reads again the sampled requests and the shared pieces' representatives from their batches and
 * counts the sample's unique pieces (tokens by kind per request) and each shared piece once.
 */
async function countNeeded(
  dir: string,
  file: PlanFile,
  job: CompactJob,
  need: {
    sampled: Uint8Array;
    wanted: Map<string, { i: number; d: number }>;
    shared: Set<number>[];
    fromOf: (i: number) => number;
    counter: TokenCounter;
  },
): Promise<{
  sharedTokens: Map<string, number>;
  y: Map<number, { text: number; json: number }>;
}> {
  const { sampled, shared, fromOf } = need;
  const reps = new Map<number, string[]>();
  for (const [key, { i }] of need.wanted) (reps.get(i) ?? reps.set(i, []).get(i)!).push(key);
  const indexes = new Set<number>(reps.keys());
  sampled.forEach((v, i) => {
    if (v) indexes.add(i);
  });
  const byBatch = new Map<number, Set<number>>();
  for (const i of indexes) {
    const b = batchOf(job, i);
    (byBatch.get(b) ?? byBatch.set(b, new Set()).get(b)!).add(i - job.offsets[b]!);
  }
  const requests: SegmentCountRequest[] = [];
  const uses: Array<{ key: string } | { i: number; kind: "text" | "json" }> = [];
  const lines: Array<{ i: number; request: BatchRequest }> = [];
  for (const b of [...byBatch.keys()].sort((x, y) => x - y)) {
    const found = await readLines(dir, file.batches, b, byBatch.get(b)!);
    for (const [position, request] of found) lines.push({ i: job.offsets[b]! + position, request });
  }
  for (const { i, request } of lines) {
    const params = request.params as unknown as Json;
    const model = String(params.model);
    const segments = walkedSegments(params);
    const ask = (d: number) => {
      const segment = segments[d]!;
      requests.push({ hash: segmentHash(segment), model, block: segment.block });
    };
    for (const key of reps.get(i) ?? []) {
      ask(need.wanted.get(key)!.d);
      uses.push({ key });
    }
    if (!sampled[i]) continue;
    const m = job.model[i]!;
    const { t, a } = segmentsOf(job, i);
    for (let d = fromOf(i); d < segments.length; d++) {
      const kind = t.kind[a + d]!;
      if (kind === KIND_CODE.media || shared[m]!.has(t.key[a + d]!)) continue;
      ask(d);
      uses.push({ i, kind: kind === KIND_CODE.text ? "text" : "json" });
    }
  }
  const counts = requests.length > 0 ? await need.counter.countSegments(requests) : [];
  const sharedTokens = new Map<string, number>();
  const y = new Map<number, { text: number; json: number }>();
  sampled.forEach((v, i) => {
    if (v) y.set(i, { text: 0, json: 0 });
  });
  uses.forEach((use, k) => {
    if ("key" in use) sharedTokens.set(use.key, counts[k]!);
    else y.get(use.i)![use.kind] += counts[k]!;
  });
  return { sharedTokens, y };
}
