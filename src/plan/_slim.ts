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
  type SegmentedRequest,
  type SegmentLocation,
  segmentLabel,
  type WalkedSegment,
} from "../request/segments.js";
import type { CacheTtl, SegmentLevel } from "../types.js";
import { hashText } from "../util/hash.js";
import type { RequestSource } from "./_source.js";
import { cutText, MIN_CUT_CHARS } from "./_text-pieces.js";

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

/** One segment of an accepted request, its text left in the source. */
export class SlimSegment implements Segment {
  readonly level: SegmentLevel;
  readonly key: string;
  readonly eligible: boolean;
  readonly position: number;
  readonly marker: CacheTtl | null;
  /** Drift bucket hashes of a text block of 200+ characters, else 0. */
  readonly driftStart: number;
  readonly driftEnd: number;
  /** Slot in the first-piece table, or -1 when the block is not plain text long enough to cut. */
  readonly firstPiece: number;
  readonly #source: RequestSource;
  readonly #request: number;
  readonly #index: number;

  constructor(
    full: Segment,
    facts: { driftStart: number; driftEnd: number; firstPiece: number },
    source: RequestSource,
    request: number,
    index: number,
  ) {
    this.level = full.level;
    this.key = full.key;
    this.eligible = full.eligible;
    this.position = full.position;
    this.marker = full.marker;
    this.driftStart = facts.driftStart;
    this.driftEnd = facts.driftEnd;
    this.firstPiece = facts.firstPiece;
    this.#source = source;
    this.#request = request;
    this.#index = index;
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

/** 52 bits of a `hashText()` digest, as a number. */
function hash52(text: string): number {
  const digest = Buffer.from(hashText(text).slice(0, 9), "base64url");
  return digest.readUIntBE(0, 6) * 16 + (digest[6]! >> 4);
}

/** The text of a block when it is a text block (other fields allowed), as `_drift.ts` reads it. */
function textOf(segment: Segment): string | undefined {
  if (segment.level === "tools") return undefined;
  const { type, text } = segment.block;
  return type === "text" && typeof text === "string" ? text : undefined;
}

/** The text of a block with nothing but `type` and `text`, as `TextPaths` cuts it. */
function plainTextOf(segment: Segment): string | undefined {
  const { block } = segment;
  if (block.type !== "text" || typeof block.text !== "string") return undefined;
  for (const key in block) if (key !== "type" && key !== "text") return undefined;
  return block.text;
}

/**
 * The slim form of a request's segments. `role(segment)` is the role folded into a first piece's
 * hash (its message's, on a message's first block), as `TextPaths` computes it.
 */
export function slimRequest(
  segmented: SegmentedRequest,
  roles: readonly (string | undefined)[],
  pieces: FirstPieces,
  source: RequestSource,
  request: number,
): SegmentedRequest {
  const segments = segmented.segments.map((segment, index) => {
    const text = textOf(segment);
    const drift =
      text !== undefined && text.length >= DRIFT_MIN_CHARS
        ? {
            driftStart: hash30(text.slice(0, DRIFT_KEY_CHARS)),
            driftEnd: hash30(text.slice(-DRIFT_KEY_CHARS)),
          }
        : { driftStart: 0, driftEnd: 0 };
    const plain = segment.eligible ? plainTextOf(segment) : undefined;
    let firstPiece = -1;
    if (plain !== undefined && plain.length >= MIN_CUT_CHARS) {
      const end = cutText(plain.slice(0, 2 * 1024))[0]!;
      const ctx = segment.key.slice(0, segment.key.indexOf(":"));
      firstPiece = pieces.add(
        hash52(
          `${ctx}\u0000${segment.level}\u0000${roles[index] ?? ""}\u0000${plain.slice(0, end)}`,
        ),
      );
    }
    return new SlimSegment(segment, { ...drift, firstPiece }, source, request, index);
  });
  return { segments, topLevelMarker: segmented.topLevelMarker };
}
