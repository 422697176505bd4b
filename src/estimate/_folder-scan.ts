/**
 * One pass over a plan folder's batch files for the estimate of a large plan (internal; issue 14
 * item 3). Each request is read once (through `planRequests()`: every file's bytes hashed before
 * any line is used) and reduced to a few numbers, no text: its model, `inference_geo`,
 * `max_tokens`, marker depths, and for each depth a unique tail may start at (0 and every
 * breakpoint depth of the plan, the "slots") the characters of text and of JSON and the blocks
 * from there on, and the tokens of its media (images, PDFs: counted here, from their size).
 * Besides, a seeded bottom-k sample per model keeps the params of at most `sampleSize` requests:
 * each request gets a priority from the seed and its position, and the `sampleSize` lowest per
 * model are kept, so the sample does not depend on how the batches are split between workers.
 *
 * It runs in worker threads (`_folder-worker.ts`) or, from TypeScript sources (tests), in this
 * thread.
 */

import { InputError } from "../errors.js";
import { type PlanFile, type PlanFileBatch, planRequests } from "../io/plan-dir.js";
import { type ModelInfo, tableOf } from "../pricing/model-table.js";
import { lastCacheable, segmentHash, walkedSegments } from "../request/segments.js";
import { createTiktokenCounter } from "../tokens/tiktoken.js";
import { hashText } from "../util/hash.js";
import type { Json } from "../util/json.js";
import { contentOf } from "./_segments.js";

/** Marker depths kept per request: the API's 4 `cache_control` blocks and a top-level one (§1.4). */
export const MAX_MARKERS = 5;
/** Numbers per slot: text chars, JSON chars, blocks (the tail predictors), media tokens. */
export const SLOT_WIDTH = 4;

/** What a scan needs; plain data, so that it can be sent to a worker. */
export interface ScanSettings {
  dir: string;
  /** The plan's batch records (`plan.json` `batches`). */
  batches: PlanFileBatch[];
  /** Global index of each batch's first request. */
  offsets: number[];
  /** Depths a tail may start at, ascending, 0 first. */
  slots: number[];
  /** Whether to keep a key of each request's prefix at each slot (groups with sibling breakpoints). */
  keyed: boolean;
  sampleSize: number;
  seed: number;
  /** Model rows, for counting media the way the offline counter does. */
  rows: ModelInfo[];
}

/** One batch file, reduced. Typed arrays indexed by position in the batch. */
export interface BatchScan {
  batch: number;
  ids: string[];
  /** Models of the batch; `model` indexes it. */
  modelNames: string[];
  model: Uint16Array;
  /** 0 none, 1 `us`, 2 `global`. */
  geo: Uint8Array;
  maxTokens: Float64Array;
  /** `MAX_MARKERS` per request: marker depths ascending, 0 for none. */
  markers: Uint16Array;
  /** `slots × SLOT_WIDTH` per request. */
  tails: Float32Array;
  /** A 48-bit key of the segments before each slot, when `keyed`. */
  keys: Float64Array | undefined;
}

/** A request kept for the sample: its global index, priority and params. */
export interface Candidate {
  index: number;
  priority: number;
  model: string;
  params: Json;
}

/** A seeded priority in [0, 1) for the request at global `index` (two rounds of murmur3's finalizer). */
export function priority(seed: number, index: number): number {
  const mix = (x: number) => {
    let h = x >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const hi = mix(mix(seed ^ 0x9e3779b9) ^ index);
  const lo = mix(hi ^ Math.floor(index / 2 ** 32) ^ 0x7f4a7c15);
  return (hi * 2 ** 21 + (lo >>> 11)) / 2 ** 53;
}

/** The `k` lowest priorities per model. */
class BottomK {
  readonly #k: number;
  readonly #kept = new Map<string, Candidate[]>();
  constructor(k: number) {
    this.#k = k;
  }
  /** Whether a request of `model` with priority `p` would be kept (ask before building it). */
  wants(model: string, p: number): boolean {
    const list = this.#kept.get(model);
    return list === undefined || list.length < this.#k || p < list[list.length - 1]!.priority;
  }
  add(c: Candidate): void {
    const list = this.#kept.get(c.model) ?? this.#kept.set(c.model, []).get(c.model)!;
    let at = list.length;
    while (at > 0 && list[at - 1]!.priority > c.priority) at -= 1;
    list.splice(at, 0, c);
    if (list.length > this.#k) list.pop();
  }
  all(): Candidate[] {
    return [...this.#kept.values()].flat();
  }
}

/**
 * Scans batches `which` (indexes into `settings.batches`), calling `onBatch` with each one's
 * reduction; returns the sample candidates of those batches.
 * @throws {InputError} from `planRequests()` when a file is missing, edited or damaged.
 */
export async function scanBatches(
  settings: ScanSettings,
  which: readonly number[],
  onBatch: (scan: BatchScan) => void,
): Promise<Candidate[]> {
  const { slots, keyed } = settings;
  const counter = createTiktokenCounter({ models: tableOf(settings.rows) });
  const sample = new BottomK(settings.sampleSize);
  // Only `batches` of the plan file is read by `planRequests()`.
  const file = { batches: settings.batches } as PlanFile;
  let scan: BatchScan | undefined;
  let offset = 0;
  let models = new Map<string, number>();
  for await (const line of planRequests(settings.dir, file, { batches: which, unique: false })) {
    if (line.position === 0) {
      if (scan) onBatch(scan);
      const batch = settings.batches.indexOf(line.batch);
      scan = emptyScan(batch, line.batch.requestCount, slots.length, keyed);
      offset = settings.offsets[batch]!;
      models = new Map();
    }
    const s = scan!;
    const i = line.position;
    const params = line.request.params as unknown as Json;
    const model = String(params.model);
    let m = models.get(model);
    if (m === undefined) {
      m = s.modelNames.push(model) - 1;
      models.set(model, m);
    }
    s.ids.push(line.request.custom_id);
    s.model[i] = m;
    s.geo[i] = params.inference_geo === "us" ? 1 : params.inference_geo === "global" ? 2 : 0;
    s.maxTokens[i] = typeof params.max_tokens === "number" ? params.max_tokens : 0;
    const segments = walkedSegments(params);
    writeMarkers(s.markers, i, params, segments, line.batch);
    await writeTails(s.tails, i, slots, segments, model, counter);
    if (s.keys) writeKeys(s.keys, i, slots, segments);
    const index = offset + i;
    const p = priority(settings.seed, index);
    if (sample.wants(model, p)) sample.add({ index, priority: p, model, params });
  }
  if (scan) onBatch(scan);
  return sample.all();
}

function emptyScan(batch: number, n: number, slots: number, keyed: boolean): BatchScan {
  return {
    batch,
    ids: [],
    modelNames: [],
    model: new Uint16Array(n),
    geo: new Uint8Array(n),
    maxTokens: new Float64Array(n),
    markers: new Uint16Array(n * MAX_MARKERS),
    tails: new Float32Array(n * slots * SLOT_WIDTH),
    keys: keyed ? new Float64Array(n * slots) : undefined,
  };
}

type Walked = ReturnType<typeof walkedSegments>;

/**
 * Per slot, the segments from its depth on: text chars, JSON chars, blocks (media left out) and
 * media tokens. A slot deeper than the request has zeros.
 */
async function writeTails(
  out: Float32Array,
  i: number,
  slots: readonly number[],
  segments: Walked,
  model: string,
  counter: ReturnType<typeof createTiktokenCounter>,
): Promise<void> {
  const sums = [0, 0, 0, 0];
  let slot = slots.length - 1;
  while (slot >= 0 && slots[slot]! >= segments.length) slot -= 1;
  for (let d = segments.length - 1; d >= 0 && slot >= 0; d--) {
    const segment = segments[d]!;
    const { kind, chars } = contentOf(segment.block);
    if (kind === "media") {
      const hash = segmentHash(segment);
      const [tokens] = await counter.countSegments([{ hash, model, block: segment.block }]);
      sums[3]! += tokens!;
    } else {
      sums[kind === "text" ? 0 : 1]! += chars;
      sums[2]! += 1;
    }
    if (slots[slot] === d) {
      out.set(sums, (i * slots.length + slot) * SLOT_WIDTH);
      slot -= 1;
    }
  }
}

/** Per slot, a 48-bit key of the segments before its depth (their content hashes, chained). */
function writeKeys(out: Float64Array, i: number, slots: readonly number[], segments: Walked): void {
  let chain = "";
  let k = 0;
  for (let d = 0; d <= segments.length && k < slots.length; d++) {
    if (slots[k] === d) {
      out[i * slots.length + k] = Buffer.from(hashText(chain).slice(0, 8), "base64url").readUIntBE(
        0,
        6,
      );
      k += 1;
    }
    if (d < segments.length) chain += `${segmentHash(segments[d]!)}/`;
  }
}

/** Marker depths of a request; the top-level marker lands on its last cacheable block (§1.4). */
function writeMarkers(
  out: Uint16Array,
  i: number,
  params: Json,
  segments: Walked,
  batch: PlanFileBatch,
): void {
  const depths = new Set<number>();
  segments.forEach((s, d) => {
    if (s.marker) depths.add(d + 1);
  });
  const last = lastCacheable(segments);
  if (params.cache_control != null && last >= 0) depths.add(last + 1);
  if (depths.size > MAX_MARKERS)
    throw new InputError(
      `\`${batch.file}\` line ${i + 1} carries ${depths.size} cache_control markers, more than a request may (4, and a top-level one; reference §1.4): it is not a plan \`cacheplan plan\` wrote. Plan the job again into a new folder.`,
      batch.file,
    );
  [...depths]
    .sort((a, b) => a - b)
    .forEach((d, k) => {
      out[i * MAX_MARKERS + k] = d;
    });
}
