/**
 * The estimate of a plan folder too large to hold (internal; issue 14 item 3). The batch files
 * are read once, in worker threads, into a few numbers per request (`_folder-read.ts`); paths are
 * resolved on those (`_folder-paths.ts`); the unique tails of a seeded sample of at most
 * `sampleSize` requests per model are tokenized from their params (kept during the read) and
 * the others predicted from their sizes with the same regression as `_tails.ts`; each request is
 * priced with the same code as `estimate()` (`priceRequest()`), one at a time.
 *
 * What differs from `estimate()`, and is said in the first note:
 * - the sample is a simple random sample per model (lowest seeded priorities), not stratified by
 *   group, and every tail piece is predicted (`estimate()` counts pieces shared by two requests);
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
import type { TokenCounter } from "../tokens/counter.js";
import { isPrefixCounter } from "../tokens/exact.js";
import type { Json } from "../util/json.js";
import { roundUsd } from "./_accumulate.js";
import { breakpointCounts } from "./_counts.js";
import { estimateFigures } from "./_figures.js";
import { type CompactPaths, compactPaths, needsKeys } from "./_folder-paths.js";
import { type CompactJob, readCompact } from "./_folder-read.js";
import { MAX_MARKERS, SLOT_WIDTH } from "./_folder-scan.js";
import { writeNotes } from "./_notes.js";
import { type EstimateSettings, resolveEstimateOptions } from "./_options.js";
import { type PlannedRuns, plannedInfo } from "./_planned-runs.js";
import type { PrefixMember } from "./_prefixes.js";
import { type Fit, fitLinear, predict } from "./_regression.js";
import { emptySums, priceRequest } from "./_scenarios.js";
import { contentOf } from "./_segments.js";
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
    sampleSize: settings.sampleSize,
    seed: settings.seed,
    keyed: needsKeys(file.groups),
  });
  const waves = file.batches.map((b) => b.wave);
  const lastWave = Math.max(0, ...waves);
  const paths = compactPaths(file.groups, job, (i) => waves[batchOf(job, i)]!, lastWave);
  const members =
    counter.name === file.options.counter ? [] : [await prefixMembers(dir, file, job, paths)];
  const counts = await breakpointCounts(file, counter, paths.trees, members);
  const tails = await sampleTails(job, paths, counter);
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
  return `Large plan (${count.requests.toLocaleString("en-US")} requests, ${gb.toFixed(2)} GB of batch files): read once from its folder without holding it. ${count.sampledRequests.toLocaleString("en-US")} unique tails were tokenized (a seeded random sample per model, seed ${count.seed}) and ${predicted.toLocaleString("en-US")} predicted from their sizes; each \`usdRange\` includes the 95% sampling margin. \`planned\` uses the plan's expected writes and reads: the simulated run needs the whole plan in memory.${extra}`;
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

/** Tokenizes the sample's unique tails and fits tokens on sizes per model (as `_tails.ts`). */
async function sampleTails(
  job: CompactJob,
  paths: CompactPaths,
  counter: TokenCounter,
): Promise<SampledTails> {
  const S = job.slots.length;
  const slotOfNode = paths.nodes.map((node) => job.slots.indexOf(node.bp.depth));
  const slotOf = (k: number) => (k >= 0 ? slotOfNode[k]! : 0);
  const z = (i: number, slot: number) => {
    const at = (i * S + slot) * SLOT_WIDTH;
    return [job.tails[at]!, job.tails[at + 1]!, job.tails[at + 2]!];
  };
  const media = (i: number, slot: number) => job.tails[(i * S + slot) * SLOT_WIDTH + 3]!;
  const counted = new Map<number, number>();
  const pooled = { text: { x: 0, y: 0 }, json: { x: 0, y: 0 } };
  const rows = new Map<string, { z: number[][]; y: number[] }>();
  for (const c of job.sample) {
    const slot = slotOf(paths.deepest[c.index]!);
    const segments = walkedSegments(c.params).slice(job.slots[slot]);
    const pieces = segments
      .map((segment) => ({ segment, ...contentOf(segment.block) }))
      .filter((p) => p.kind !== "media");
    const tokens = await counter.countSegments(
      pieces.map((p) => ({ hash: segmentHash(p.segment), model: c.model, block: p.segment.block })),
    );
    let y = 0;
    pieces.forEach((p, k) => {
      y += tokens[k]!;
      const kind = p.kind === "text" ? pooled.text : pooled.json;
      kind.x += p.chars;
      kind.y += tokens[k]!;
    });
    counted.set(c.index, y);
    if (pieces.length === 0) continue;
    const list = rows.get(c.model) ?? rows.set(c.model, { z: [], y: [] }).get(c.model)!;
    list.z.push(z(c.index, slot));
    list.y.push(y);
  }
  const fits = new Map<string, Fit>();
  for (const [model, { z: zs, y }] of rows) {
    const fit = fitLinear(zs, y);
    if (fit) fits.set(model, fit);
  }
  const chars = pooled.text.x + pooled.json.x;
  const tokens = pooled.text.y + pooled.json.y;
  const perChar = chars > 0 && tokens > 0 ? tokens / chars : 1 / 4;
  const charsPerToken: Record<string, number> = {};
  for (const kind of ["text", "json"] as const)
    if (pooled[kind].y > 0) charsPerToken[kind] = pooled[kind].x / pooled[kind].y;
  const scratch = [0, 0, 0];
  const result: SampledTails = {
    fits,
    charsPerToken,
    fallbacks: 0,
    tailOf(i, k, out) {
      out.fill(0);
      const slot = slotOf(k);
      const own = counted.get(i);
      if (own !== undefined) return own + media(i, slot);
      const at = (i * S + slot) * SLOT_WIDTH;
      const p = scratch;
      for (let j = 0; j < 3; j++) p[j] = job.tails[at + j]!;
      if (p[2] === 0) return media(i, slot);
      const fit = fits.get(job.modelNames[job.model[i]!]!);
      if (!fit || (p[0]! > 0 && !fit.kept[0]) || (p[1]! > 0 && !fit.kept[1])) {
        result.fallbacks += 1;
        return (p[0]! + p[1]!) * perChar + media(i, slot);
      }
      for (let j = 0; j < 3; j++) out[j] = p[j]!;
      return Math.max(0, predict(fit.beta, p)) + media(i, slot);
    },
  };
  return result;
}
