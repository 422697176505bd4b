/**
 * A large plan folder read into compact per-request arrays (internal; issue 14 item 3): the batch
 * files are scanned in worker threads (`_folder-scan.ts`), each request reduced to numbers, and
 * the reductions copied into one set of typed arrays in plan order. Each request's group comes
 * from `plan.json`'s `customIds` (`locator()`); a `custom_id` seen twice is an error, as in
 * `readPlan()`.
 *
 * Memory per request: model 2 B, geo 1 B, max_tokens 8 B, group 4 B, markers 10 B, tails 16 B per
 * slot (two slots for a plan with one breakpoint depth), deepest breakpoint 4 B, seen 1 B: about
 * 60 B of typed arrays, besides `plan.json`'s own `custom_id`s; and 13 B per segment (its content
 * key, kind and chars: `SegmentTable`), so that the tails are split into shared and unique pieces
 * as `_tails.ts` does. Measured before the segment tables: 262 MB peak RSS for 100,000 requests,
 * 455 MB for 1,000,000 (about 210 B a request over ~240 MB fixed).
 */
import { availableParallelism } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";
import type { PlanFile } from "../io/plan-dir.js";
import type { ModelTable } from "../pricing/models.js";
import {
  type BatchScan,
  type Candidate,
  MAX_MARKERS,
  type ScanSettings,
  type SegmentTable,
  SLOT_WIDTH,
  scanBatches,
} from "./_folder-scan.js";
import type { WorkerMessage } from "./_folder-worker.js";

/** The plan's requests as numbers, in plan order. */
export interface CompactJob {
  n: number;
  /** Models of the job; `model` indexes it. */
  modelNames: string[];
  model: Uint16Array;
  geo: Uint8Array;
  maxTokens: Float64Array;
  /** `MAX_MARKERS` per request (depths ascending, 0 for none). */
  markers: Uint16Array;
  /** Depths a tail may start at (0 and every breakpoint depth), ascending. */
  slots: number[];
  /** `slots × SLOT_WIDTH` per request (see `_folder-scan.ts`). */
  tails: Float32Array;
  /** Prefix keys per slot, when some group has sibling breakpoints at one depth. */
  keys: Float64Array | undefined;
  /** Index of the request's group, or -1. */
  group: Int32Array;
  /** Global index of each batch's first request. */
  offsets: number[];
  /** The sample candidates: at most `sampleSize` per model, lowest priority first. */
  sample: Candidate[];
  /** Each batch's segments, by batch index. */
  segments: SegmentTable[];
}

/** Most worker threads used (each reads its own batch files). */
const MAX_WORKERS = 4;

/** Reads the plan folder's requests into a `CompactJob`. */
export async function readCompact(
  dir: string,
  file: PlanFile,
  options: { models: ModelTable; sampleSize: number; seed: number; keyed: boolean },
): Promise<CompactJob> {
  const offsets: number[] = [];
  let n = 0;
  for (const b of file.batches) {
    offsets.push(n);
    n += b.requestCount;
  }
  const depths = new Set<number>([0]);
  for (const g of file.groups) for (const bp of g.breakpoints) depths.add(bp.depth);
  const slots = [...depths].sort((a, b) => a - b);
  const job: CompactJob = {
    n,
    modelNames: [],
    model: new Uint16Array(n),
    geo: new Uint8Array(n),
    maxTokens: new Float64Array(n),
    markers: new Uint16Array(n * MAX_MARKERS),
    slots,
    tails: new Float32Array(n * slots.length * SLOT_WIDTH),
    keys: options.keyed ? new Float64Array(n * slots.length) : undefined,
    group: new Int32Array(n),
    offsets,
    sample: [],
    segments: [],
  };
  const settings: ScanSettings = {
    dir,
    batches: file.batches,
    offsets,
    slots,
    keyed: options.keyed,
    sampleSize: options.sampleSize,
    seed: options.seed,
    rows: options.models.ids().map((id) => options.models.get(id)!),
  };
  const merge = merger(dir, file, job);
  const candidates = await scanAll(settings, merge);
  const byModel = new Map<string, Candidate[]>();
  for (const c of candidates)
    (byModel.get(c.model) ?? byModel.set(c.model, []).get(c.model)!).push(c);
  for (const list of byModel.values()) {
    list.sort((a, b) => a.priority - b.priority);
    job.sample.push(...list.slice(0, options.sampleSize));
  }
  return job;
}

/** Copies a batch's reduction into the job, with each request's group; refuses a repeated id. */
function merger(dir: string, file: PlanFile, job: CompactJob): (scan: BatchScan) => void {
  const locate = locator(file.groups);
  const seen = new Uint8Array(locate.size);
  const loose = new Set<string>();
  const modelIndex = new Map<string, number>();
  const { slots } = job;
  return (scan) => {
    const batch = file.batches[scan.batch]!;
    const first = job.offsets[scan.batch]!;
    if (scan.ids.length !== batch.requestCount) return; // planRequests() has thrown already
    const models = scan.modelNames.map((name) => {
      let m = modelIndex.get(name);
      if (m === undefined) {
        m = job.modelNames.push(name) - 1;
        modelIndex.set(name, m);
      }
      return m;
    });
    scan.ids.forEach((id, i) => {
      const at = locate(id);
      const position = at?.position;
      const twice = position === undefined ? loose.has(id) : seen[position] === 1;
      if (twice)
        throw new InputError(
          `\`${path.join(dir, batch.file)}\` (batch ${batch.index} of \`plan.json\`) repeats custom_id \`${id}\` (line ${i + 1}), already in this plan; every custom_id of a plan must be unique. The plan folder changed after \`cacheplan plan\` wrote it: restore it, or plan again into a new folder.`,
          path.join(dir, batch.file),
        );
      if (position === undefined) loose.add(id);
      else seen[position] = 1;
      job.group[first + i] = at?.group ?? -1;
      job.model[first + i] = models[scan.model[i]!]!;
    });
    job.geo.set(scan.geo, first);
    job.maxTokens.set(scan.maxTokens, first);
    job.markers.set(scan.markers, first * MAX_MARKERS);
    job.tails.set(scan.tails, first * slots.length * SLOT_WIDTH);
    if (job.keys && scan.keys) job.keys.set(scan.keys, first * slots.length);
    job.segments[scan.batch] = scan.segments;
  };
}

/** Ids looked up by a scan of the groups' lists before a map of every id is built. */
const SCANS_BEFORE_MAP = 64;

/**
 * Where a `custom_id` is in `plan.json`'s groups: its group and its position over all groups'
 * lists, `undefined` outside groups. The planner writes a group's requests in the order of its
 * `customIds`, so the next id is tried first (one string comparison); a miss (a batch read out of
 * order, another group) scans the lists, and after `SCANS_BEFORE_MAP` misses a map of every id is
 * built (~80 bytes an id) and used from then on.
 */
export function locator(groups: Pick<PlanFile["groups"][number], "customIds">[]) {
  const lists = groups.map((g) => g.customIds);
  const starts: number[] = [];
  let size = 0;
  for (const list of lists) {
    starts.push(size);
    size += list.length;
  }
  let index: Map<string, number> | undefined;
  let misses = 0;
  let g = 0;
  let j = -1;
  const at = (position: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    g = lo;
    j = position - starts[lo]!;
    return { group: g, position };
  };
  const locate = (id: string): { group: number; position: number } | undefined => {
    let ng = g;
    let nj = j + 1;
    while (ng < lists.length && nj >= lists[ng]!.length) {
      ng += 1;
      nj = 0;
    }
    if (ng < lists.length && lists[ng]![nj] === id) {
      g = ng;
      j = nj;
      return { group: g, position: starts[g]! + j };
    }
    misses += 1;
    if (index === undefined && misses > SCANS_BEFORE_MAP) {
      const map = new Map<string, number>();
      lists.forEach((list, k) => {
        list.forEach((other, n) => {
          map.set(other, starts[k]! + n);
        });
      });
      index = map;
    }
    if (index) {
      const position = index.get(id);
      return position === undefined ? undefined : at(position);
    }
    for (let k = 0; k < lists.length; k++) {
      const n = lists[k]!.indexOf(id);
      if (n >= 0) return at(starts[k]! + n);
    }
    return undefined;
  };
  return Object.assign(locate, { size });
}

/** Splits the batches between workers by bytes (largest first to the least loaded). */
function split(settings: ScanSettings, workers: number): number[][] {
  const load = new Array<number>(workers).fill(0);
  const parts: number[][] = Array.from({ length: workers }, () => []);
  const order = settings.batches.map((_, k) => k);
  order.sort((a, b) => settings.batches[b]!.bytes - settings.batches[a]!.bytes);
  for (const k of order) {
    const w = load.indexOf(Math.min(...load));
    parts[w]!.push(k);
    load[w]! += settings.batches[k]!.bytes;
  }
  return parts.map((p) => p.sort((a, b) => a - b)).filter((p) => p.length > 0);
}

/**
 * Scans every batch: in worker threads when running from the built JavaScript, in this thread
 * from the TypeScript sources (tests), where a worker could not load them.
 */
async function scanAll(
  settings: ScanSettings,
  merge: (scan: BatchScan) => void,
): Promise<Candidate[]> {
  const worker = new URL("./_folder-worker.js", import.meta.url);
  const all = settings.batches.map((_, k) => k);
  if (import.meta.url.endsWith(".ts") || settings.batches.length <= 1)
    return scanBatches(settings, all, merge);
  const workers = Math.min(MAX_WORKERS, availableParallelism());
  const parts = split(settings, workers);
  const running = parts.map((which) => new Worker(worker, { workerData: { settings, which } }));
  try {
    const results = await Promise.all(running.map((w) => collect(w, merge)));
    return results.flat();
  } finally {
    await Promise.all(running.map((w) => w.terminate()));
  }
}

/** The candidates of one worker, each batch merged as it arrives; its error thrown here. */
function collect(worker: Worker, merge: (scan: BatchScan) => void): Promise<Candidate[]> {
  return new Promise((resolve, reject) => {
    worker.on("message", (message: WorkerMessage) => {
      try {
        if (message.kind === "batch") merge(message.scan);
        else if (message.kind === "done") resolve(message.candidates);
        else
          reject(
            message.name === "InputError"
              ? new InputError(message.message, message.path)
              : new Error(message.message),
          );
      } catch (error) {
        reject(error);
      }
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      if (code !== 0) reject(new Error(`An estimate worker thread stopped with code ${code}.`));
    });
  });
}
