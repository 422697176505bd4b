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

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import path from "node:path";
import { InputError } from "../errors.js";
import { type PlanFile, type PlanFileBatch, planRequests, resolveInside } from "../io/plan-dir.js";
import { type ModelInfo, tableOf } from "../pricing/model-table.js";
import { lastCacheable, segmentHash, walkedSegments } from "../request/segments.js";
import { createTiktokenCounter } from "../tokens/tiktoken.js";
import type { BatchRequest } from "../types.js";
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
  /** Each request's segments (see `SegmentTable`). */
  segments: SegmentTable;
}

/**
 * The segments of a batch's requests as numbers, for the tails (`_tails.ts` counts a tail piece
 * that occurs in two or more requests and predicts the unique ones): request `i`'s segments are
 * `start[i]` to `start[i + 1]`, each with a 48-bit key of its content (`contentOf()`'s key: equal
 * for equal text or JSON), its kind (0 text, 1 JSON, 2 media) and its chars. 13 bytes a segment.
 */
export interface SegmentTable {
  start: Uint32Array;
  key: Float64Array;
  kind: Uint8Array;
  chars: Float32Array;
}

/** Kind codes of `SegmentTable.kind`. */
export const KIND_CODE = { text: 0, json: 1, media: 2 } as const;

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
 * reduction once the file is verified; returns the sample candidates of those batches.
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
  for (const k of which) {
    const batch = settings.batches[k]!;
    const scan = emptyScan(k, batch.requestCount, slots.length, keyed);
    const offset = settings.offsets[k]!;
    const models = new Map<string, number>();
    const media: Media[] = [];
    const table = new TableBuilder(batch.requestCount);
    const add = (request: BatchRequest, i: number): Promise<void> | undefined => {
      const params = request.params as unknown as Json;
      const model = String(params.model);
      let m = models.get(model);
      if (m === undefined) {
        m = scan.modelNames.push(model) - 1;
        models.set(model, m);
      }
      scan.ids.push(request.custom_id);
      scan.model[i] = m;
      scan.geo[i] = params.inference_geo === "us" ? 1 : params.inference_geo === "global" ? 2 : 0;
      scan.maxTokens[i] = typeof params.max_tokens === "number" ? params.max_tokens : 0;
      const segments = walkedSegments(params);
      writeMarkers(scan.markers, i, params, segments, batch);
      writeTails(scan.tails, i, slots, segments, model, media);
      table.add(segments);
      if (scan.keys) writeKeys(scan.keys, i, slots, segments);
      const index = offset + i;
      const p = priority(settings.seed, index);
      if (settings.sampleSize > 0 && sample.wants(model, p))
        sample.add({ index, priority: p, model, params });
      // Media are counted in lots (the counter is asynchronous): most requests have none.
      return media.length >= MEDIA_LOT ? countMedia(media, scan.tails, slots, counter) : undefined;
    };
    await readBatch(settings, k, add);
    await countMedia(media, scan.tails, slots, counter);
    scan.segments = table.done();
    onBatch(scan);
  }
  return sample.all();
}

/**
 * Each request of batch `k`, read in one pass: its bytes are hashed as they are read and each
 * line parsed, but the caller uses nothing before the end, where the hash, count and
 * `custom_id`s are checked (a plan of millions is I/O-bound: one read instead of
 * `planRequests()`' two, hash then parse). On any difference, or a line that is not a request,
 * the batch is read again through `planRequests()`, which throws its own error naming the file
 * and what differs. A plan without recorded hashes is read through `planRequests()`.
 */
async function readBatch(
  settings: ScanSettings,
  k: number,
  add: (request: BatchRequest, i: number) => Promise<void> | undefined,
): Promise<void> {
  const batch = settings.batches[k]!;
  // Only `batches` of the plan file is read by `planRequests()`.
  const file = { batches: settings.batches } as PlanFile;
  const slow = async (cause?: unknown) => {
    let i = 0;
    for await (const line of planRequests(settings.dir, file, { batches: [k], unique: false })) {
      if (cause === undefined) await add(line.request, i);
      i += 1;
    }
    if (cause !== undefined) throw cause;
  };
  if (batch.contentHash === undefined || batch.customIdsHash === undefined) return slow();
  const where = `\`${path.join(settings.dir, "plan.json")}\` batch ${batch.index}`;
  const full = await resolveInside(settings.dir, batch.file, where);
  const bytes = createHash("sha256");
  const ids = createHash("sha256");
  let count = 0;
  try {
    for await (const [buf, from, to] of hashedLines(full, bytes)) {
      const value = JSON.parse(buf.toString("utf8", from, to)) as Partial<BatchRequest> | null;
      const id = value?.custom_id;
      if (typeof id !== "string" || typeof value?.params !== "object" || value.params === null)
        throw new Error("not a batch request");
      ids.update(`${JSON.stringify(id)}\n`);
      count += 1;
      const pending = add(value as BatchRequest, count - 1);
      if (pending) await pending;
    }
  } catch (error) {
    return slow(error);
  }
  const same =
    `sha256:${bytes.digest("hex")}` === batch.contentHash &&
    count === batch.requestCount &&
    `sha256:${ids.digest("hex")}` === batch.customIdsHash;
  if (!same)
    return slow(
      new InputError(
        `\`${path.join(settings.dir, batch.file)}\` (batch ${batch.index} of \`plan.json\`) changed after \`cacheplan plan\` wrote it. Restore the file, or plan again into a new folder.`,
        path.join(settings.dir, batch.file),
      ),
    );
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
    segments: {
      start: new Uint32Array(1),
      key: new Float64Array(),
      kind: new Uint8Array(),
      chars: new Float32Array(),
    },
  };
}

/** A 48-bit key of a text (its SHA-1 prefix: a content key, not a digest of record). */
function key48(text: string): number {
  return createHash("sha1").update(text).digest().readUIntBE(0, 6);
}

/** Builds a batch's `SegmentTable`, one request at a time. */
class TableBuilder {
  readonly #start: Uint32Array;
  readonly #key: number[] = [];
  readonly #kind: number[] = [];
  readonly #chars: number[] = [];
  /** The previous request's content and key at each depth: consecutive requests share most. */
  readonly #last: Array<{ content: string; key: number }> = [];
  #n = 0;
  constructor(n: number) {
    this.#start = new Uint32Array(n + 1);
  }
  add(segments: Walked): void {
    segments.forEach((segment, d) => {
      const { kind, chars, key } = contentOf(segment.block);
      this.#key.push(kind === "media" ? 0 : this.#keyOf(key, d));
      this.#kind.push(KIND_CODE[kind]);
      this.#chars.push(chars);
    });
    this.#n += 1;
    this.#start[this.#n] = this.#key.length;
  }
  #keyOf(content: string, d: number): number {
    const last = this.#last[d];
    if (last?.content === content) return last.key;
    const key = key48(content);
    this.#last[d] = { content, key };
    return key;
  }
  done(): SegmentTable {
    return {
      start: this.#start,
      key: Float64Array.from(this.#key),
      kind: Uint8Array.from(this.#kind),
      chars: Float32Array.from(this.#chars),
    };
  }
}

type Walked = ReturnType<typeof walkedSegments>;

/** A media block of a tail, to be counted: its request and depth. */
interface Media {
  i: number;
  depth: number;
  model: string;
  hash: string;
  block: Json;
}

/** Media blocks counted at once, at most. */
const MEDIA_LOT = 64;

/**
 * Per slot, the segments from its depth on: text chars, JSON chars, blocks (media left out); media
 * blocks are queued in `media` and their tokens added by `countMedia()`. A slot deeper than the
 * request has zeros.
 */
function writeTails(
  out: Float32Array,
  i: number,
  slots: readonly number[],
  segments: Walked,
  model: string,
  media: Media[],
): void {
  const sums = [0, 0, 0, 0];
  let slot = slots.length - 1;
  while (slot >= 0 && slots[slot]! >= segments.length) slot -= 1;
  for (let d = segments.length - 1; d >= 0 && slot >= 0; d--) {
    const segment = segments[d]!;
    const { kind, chars } = contentOf(segment.block);
    if (kind === "media") {
      media.push({ i, depth: d, model, hash: segmentHash(segment), block: segment.block });
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

/** Counts the queued media and adds each one's tokens to the slots at or above its depth. */
async function countMedia(
  media: Media[],
  out: Float32Array,
  slots: readonly number[],
  counter: ReturnType<typeof createTiktokenCounter>,
): Promise<void> {
  if (media.length === 0) return;
  const lot = media.splice(0);
  const tokens = await counter.countSegments(lot);
  lot.forEach(({ i, depth }, k) => {
    slots.forEach((d, slot) => {
      if (d <= depth) out[(i * slots.length + slot) * SLOT_WIDTH + 3]! += tokens[k]!;
    });
  });
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

/**
 * Reads again the lines at `positions` (0-based) of a batch file the scan read: only those are
 * parsed, the others only counted; the bytes are hashed as they are read and `use` is called at
 * the end, once the hash is the recorded one (the file is then the one the scan verified).
 * @throws {InputError} when the file changed since, or has no recorded hash and is read through
 * `planRequests()`, which throws its own error.
 */
export async function readLines(
  dir: string,
  batches: PlanFileBatch[],
  k: number,
  positions: ReadonlySet<number>,
): Promise<Map<number, BatchRequest>> {
  const batch = batches[k]!;
  const found = new Map<number, BatchRequest>();
  if (batch.contentHash === undefined) {
    const file = { batches } as PlanFile;
    let i = 0;
    for await (const line of planRequests(dir, file, { batches: [k], unique: false })) {
      if (positions.has(i)) found.set(i, line.request);
      i += 1;
    }
    return found;
  }
  const full = await resolveInside(
    dir,
    batch.file,
    `\`${path.join(dir, "plan.json")}\` batch ${batch.index}`,
  );
  const bytes = createHash("sha256");
  let i = 0;
  for await (const [buf, from, to] of hashedLines(full, bytes)) {
    if (positions.has(i)) found.set(i, JSON.parse(buf.toString("utf8", from, to)) as BatchRequest);
    i += 1;
  }
  if (`sha256:${bytes.digest("hex")}` !== batch.contentHash || i !== batch.requestCount)
    throw new InputError(
      `\`${path.join(dir, batch.file)}\` (batch ${batch.index} of \`plan.json\`) changed while the estimate read it. Restore the file, or plan again into a new folder.`,
      path.join(dir, batch.file),
    );
  return found;
}

/**
 * The non-empty lines of a file as byte ranges (`[buffer, from, to)`, valid until the next one),
 * its bytes hashed into `hash` as they are read. A line cut by a chunk's end is joined from its
 * own bytes only, not the whole chunk.
 */
async function* hashedLines(
  full: string,
  hash: ReturnType<typeof createHash>,
): AsyncGenerator<[Buffer, number, number]> {
  let rest: Buffer | undefined;
  for await (const chunk of createReadStream(full, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    hash.update(buf);
    let from = 0;
    if (rest) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        rest = Buffer.concat([rest, buf]);
        continue;
      }
      const joined = Buffer.concat([rest, buf.subarray(0, nl)]);
      if (joined.length > 0) yield [joined, 0, joined.length];
      from = nl + 1;
    }
    for (let nl = buf.indexOf(10, from); nl >= 0; nl = buf.indexOf(10, from)) {
      if (nl > from) yield [buf, from, nl];
      from = nl + 1;
    }
    rest = from < buf.length ? Buffer.from(buf.subarray(from)) : undefined;
  }
  if (rest && rest.length > 0) yield [rest, 0, rest.length];
}
