/**
 * Slim segments (internal): what the planner keeps of each segment of each request, so that
 * memory grows with the number of requests and not with their text. A `SlimSegment` is a
 * `Segment` whose key, level, eligibility, position and marker are kept, and whose block, label
 * and location are read again from the request source when asked (only the few stages that look
 * at shared text do: token counts of shared prefixes, labels of marks, drift among siblings).
 *
 * Two small facts stand in for the text where every request is looked at:
 * - `driftStart`/`driftEnd`: 30-bit hashes of the first and last 64 characters of a text block of
 *   200+ characters (the buckets of `_drift.ts`), 0 otherwise;
 * - `firstPiece`: a slot in the job's first-piece table for a plain text block long enough to be
 *   cut into pieces (`_text-pieces.ts`), -1 otherwise. A block whose first piece no other request
 *   has cannot share text inside it, so it is never cut (`TextPaths`' `mayCut`).
 */
import {
  type Segment,
  type SegmentLocation,
  segmentLabel,
  type WalkedSegment,
} from "../request/segments.js";
import type { CacheTtl, SegmentLevel } from "../types.js";
import type { IndexedSegment } from "./_index-chunk.js";
import type { RequestSource } from "./_source.js";

/** Text blocks shorter than this are not compared for drift (as `_drift.ts`). */
export const DRIFT_MIN_CHARS = 200;
/** Characters of the start (or end) of a text that form a drift bucket (as `_drift.ts`). */
export const DRIFT_KEY_CHARS = 64;

/** A 30-bit FNV-1a hash (a small integer, stored unboxed). */
export function hash30(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 2) | 1;
}

const LEVEL_NAMES: readonly SegmentLevel[] = ["tools", "system", "messages"];
const MARKERS: readonly (CacheTtl | null)[] = [null, "5m", "1h"];

/**
 * One segment of an accepted request, its text left in the source. Level, eligibility, marker and
 * position share one small integer (`#bits`): a job of millions keeps millions of these.
 */
export class SlimSegment implements Segment {
  readonly key: string;
  /** Drift bucket hashes of a text block of 200+ characters, else 0. */
  readonly driftStart: number;
  readonly driftEnd: number;
  /** Slot in the first-piece table, or -1 when the block is not plain text long enough to cut. */
  readonly firstPiece: number;
  /** level (2 bits) | marker (2 bits) | eligible (1 bit) | position (the rest). */
  readonly #bits: number;
  readonly #source: RequestSource;
  readonly #request: number;
  readonly #index: number;

  constructor(
    facts: IndexedSegment,
    key: string,
    firstPiece: number,
    source: RequestSource,
    request: number,
    index: number,
  ) {
    this.key = key;
    this.#bits =
      LEVEL_NAMES.indexOf(facts.level) |
      (MARKERS.indexOf(facts.marker) << 2) |
      (facts.eligible ? 16 : 0) |
      (facts.position << 5);
    this.driftStart = facts.driftStart;
    this.driftEnd = facts.driftEnd;
    this.firstPiece = firstPiece;
    this.#source = source;
    this.#request = request;
    this.#index = index;
  }

  get level(): SegmentLevel {
    return LEVEL_NAMES[this.#bits & 3]!;
  }

  get marker(): CacheTtl | null {
    return MARKERS[(this.#bits >> 2) & 3]!;
  }

  get eligible(): boolean {
    return (this.#bits & 16) !== 0;
  }

  get position(): number {
    return this.#bits >>> 5;
  }

  #walked(): WalkedSegment {
    return this.#source.walked(this.#request)[this.#index]!;
  }

  get contentHash(): string {
    return this.key.slice(this.key.indexOf(":") + 1);
  }

  get block(): Record<string, unknown> {
    return this.#walked().block;
  }

  get location(): SegmentLocation {
    return this.#walked().location;
  }

  get label(): string {
    return segmentLabel(this.location);
  }
}

/**
 * The job's first pieces: one 52-bit hash per cuttable block (8 bytes each), and after the index
 * pass the set of those seen more than once.
 */
export class FirstPieces {
  #hashes = new Float64Array(1024);
  #size = 0;
  #shared: Set<number> | undefined;

  /** Records a first piece; returns its slot. */
  add(hash: number): number {
    if (this.#size === this.#hashes.length) {
      const grown = new Float64Array(this.#size * 2);
      grown.set(this.#hashes);
      this.#hashes = grown;
    }
    this.#hashes[this.#size] = hash;
    return this.#size++;
  }

  /** Whether the first piece in `slot` is also another block's (after `finish()`). */
  shared(slot: number): boolean {
    if (slot < 0) return false;
    if (this.#shared === undefined) this.finish();
    return this.#shared!.has(this.#hashes[slot]!);
  }

  /** Finds the pieces seen more than once (sorting a copy: no per-piece objects). */
  finish(): void {
    const sorted = this.#hashes.slice(0, this.#size).sort();
    const shared = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) shared.add(sorted[i]!);
    this.#shared = shared;
  }
}
