/**
 * The index pass's work on one chunk of a JSONL file (internal), the same in a worker thread and
 * in the main thread: parse each line, validate it, measure it, hash its segments and take the
 * small facts the planner keeps (`_slim.ts`). What comes back is plain data (structured-clone
 * friendly): no request object crosses back, so the main thread holds only what it keeps.
 *
 * A segment's trie key is its level context's id and its content hash. The id is a short hash of
 * the context (`contextId`), the same in every thread, so each key is made here as one flat string
 * and the main thread keeps it as it arrives.
 */
import { createHash } from "node:crypto";
import { indexLine } from "../io/line-index.js";
import { JsonSizer } from "../request/json-size.js";
import { ContextInterner, segmentRequest, walkedSegments } from "../request/segments.js";
import { validateRequest } from "../request/validate.js";
import type { BatchRequest, CacheTtl, RejectedRequest, SegmentLevel } from "../types.js";
import { hashText } from "../util/hash.js";
import type { Json } from "../util/json.js";
import { DRIFT_KEY_CHARS, DRIFT_MIN_CHARS, hash30 } from "./_slim.js";
import { cutText, MIN_CUT_CHARS } from "./_text-pieces.js";

/** Characters of text whose hashes are memoised before the memo is dropped (bounded memory). */
const TEXT_MEMO_CHARS = 4 * 2 ** 20;
/** Requests measured with one `JsonSizer` before its memo of long strings is dropped. */
const SIZER_REQUESTS = 10_000;

/** One segment as the index pass keeps it. */
export interface IndexedSegment {
  level: SegmentLevel;
  /** The trie key: context id, `:`, content hash. */
  key: string;
  eligible: boolean;
  position: number;
  marker: CacheTtl | null;
  driftStart: number;
  driftEnd: number;
  /** 52-bit hash of the block's first piece (context, level, role and text), or -1. */
  firstPiece: number;
}

/** A line the planner can plan, as far as one line can tell (duplicates are found later). */
export interface IndexedRequest {
  line: number;
  source: string | undefined;
  offset: number;
  length: number;
  customId: string;
  model: string;
  maxTokens: number;
  bytes: number;
  markers: number;
  segments: IndexedSegment[];
  topLevelMarker: CacheTtl | null;
}

/** What one line gave: a request, a rejection, or nothing (a blank line). */
export type IndexRecord = { accepted: IndexedRequest } | { rejected: RejectedRequest };

/**
 * An interner whose ids are short hashes of the contexts (48 bits: the same id in every worker, no
 * numbering by first appearance) and which memoises text hashes until `TEXT_MEMO_CHARS` of text
 * are held, then starts again: a shared prompt is hashed about once per drop, and unique texts
 * are not kept.
 */
export class ChunkInterner extends ContextInterner {
  #memo = new Map<string, Map<string, string>>();
  #chars = 0;
  readonly #ids = new Map<string, string>();

  override id(context: string): string {
    let id = this.#ids.get(context);
    if (id === undefined) {
      id = hashText(context).slice(0, 8);
      if (this.#ids.size > 10_000) this.#ids.clear();
      this.#ids.set(context, id);
    }
    return id;
  }

  override textHash(scope: string, text: string, compute: () => string): string {
    let byText = this.#memo.get(scope);
    if (byText === undefined) {
      byText = new Map();
      this.#memo.set(scope, byText);
    }
    let hash = byText.get(text);
    if (hash === undefined) {
      hash = compute();
      if (this.#chars + text.length > TEXT_MEMO_CHARS) {
        byText = new Map();
        this.#memo = new Map([[scope, byText]]);
        this.#chars = 0;
      }
      byText.set(text, hash);
      this.#chars += text.length;
    }
    return hash;
  }
}

/** What a chunk indexer keeps between chunks (its memos). */
export class ChunkState {
  readonly interner = new ChunkInterner();
  // Its memo is bounded by characters too: long unique texts would fill a worker's heap (issue 14
  // review: 100 requests of 400 KB each ran a 48 MB worker out of memory).
  sizer = new JsonSizer(TEXT_MEMO_CHARS);
  #measured = 0;

  constructor(
    readonly options: { userMarkers: "keep" | "replace" },
    readonly source: string | undefined,
  ) {}

  /** The sizer, renewed every `SIZER_REQUESTS` requests (its memo of long strings is dropped). */
  nextSizer(): JsonSizer {
    if (++this.#measured % SIZER_REQUESTS === 0) this.sizer = new JsonSizer(TEXT_MEMO_CHARS);
    return this.sizer;
  }
}

/** 52 bits of a SHA-256 of `text`, as a number. */
function hash52(text: string): number {
  const digest = createHash("sha256").update(text).digest();
  return digest.readUIntBE(0, 6) * 16 + (digest[6]! >> 4);
}

/**
 * The facts of a request's segments. Text blocks of 200+ characters get drift hashes; plain text
 * blocks long enough to cut get a first-piece hash (context, level, role, first piece).
 */
export function segmentFacts(
  request: BatchRequest,
  interner: ContextInterner,
): { segments: IndexedSegment[]; topLevelMarker: CacheTtl | null } {
  const segmented = segmentRequest(request, interner);
  const walked = walkedSegments(request.params as unknown as Json);
  const segments = segmented.segments.map((segment, index): IndexedSegment => {
    const context = segment.key.slice(0, segment.key.lastIndexOf(":"));
    const { block } = segment;
    const text =
      segment.level !== "tools" && block.type === "text" && typeof block.text === "string"
        ? block.text
        : undefined;
    const long = text !== undefined && text.length >= DRIFT_MIN_CHARS;
    let firstPiece = -1;
    if (segment.eligible && text !== undefined && text.length >= MIN_CUT_CHARS && plain(block)) {
      const end = cutText(text.slice(0, 2048))[0]!;
      const role = walked[index]?.role ?? "";
      firstPiece = hash52(
        `${context}\u0000${segment.level}\u0000${role}\u0000${text.slice(0, end)}`,
      );
    }
    return {
      level: segment.level,
      // One flat string (a template literal would keep the parts as a rope).
      key: flat(segment.key),
      eligible: segment.eligible,
      position: segment.position,
      marker: segment.marker,
      driftStart: long ? hash30(text.slice(0, DRIFT_KEY_CHARS)) : 0,
      driftEnd: long ? hash30(text.slice(-DRIFT_KEY_CHARS)) : 0,
      firstPiece,
    };
  });
  return {
    segments,
    topLevelMarker: segmented.topLevelMarker,
  };
}

/** `text` as one sequential string. */
function flat(text: string): string {
  return Buffer.from(text, "latin1").toString("latin1");
}

function plain(block: Record<string, unknown>): boolean {
  for (const key in block) if (key !== "type" && key !== "text") return false;
  return true;
}

/** Indexes the lines of `bytes` (whole lines; the first is line `firstLine`, at file `offset`). */
export function indexChunk(
  bytes: Buffer,
  offset: number,
  firstLine: number,
  state: ChunkState,
): IndexRecord[] {
  const out: IndexRecord[] = [];
  let start = 0;
  let line = firstLine;
  while (start < bytes.length) {
    let nl = bytes.indexOf(0x0a, start);
    if (nl < 0) nl = bytes.length;
    const record = indexOne(
      { bytes: bytes.subarray(start, nl), line, offset: offset + start },
      state,
    );
    if (record !== undefined) out.push(record);
    start = nl + 1;
    line += 1;
  }
  return out;
}

function indexOne(
  raw: { bytes: Buffer; line: number; offset: number },
  state: ChunkState,
): IndexRecord | undefined {
  const source = state.source ?? "";
  const parsed = indexLine(raw, source);
  if (parsed === undefined) return undefined;
  const where = state.source ? { source: state.source } : {};
  if (parsed.parseError !== undefined) {
    const kind = parsed.problem ?? "invalid-json";
    return {
      rejected: {
        line: parsed.line,
        ...where,
        kind,
        reason:
          kind === "invalid-json"
            ? `Not valid JSON: ${parsed.parseError}. Each line must hold one request object.`
            : parsed.parseError,
      },
    };
  }
  const check = validateRequest(parsed.value, state.options);
  if (!check.ok) {
    return {
      rejected: {
        line: parsed.line,
        ...where,
        ...(check.custom_id ? { custom_id: check.custom_id } : {}),
        kind: check.kind,
        reason: check.reason,
      },
    };
  }
  const request = check.request;
  const facts = segmentFacts(request, state.interner);
  return {
    accepted: {
      line: parsed.line,
      source: state.source,
      offset: parsed.offset,
      length: parsed.length,
      customId: request.custom_id,
      model: request.params.model,
      maxTokens: request.params.max_tokens,
      bytes: state.nextSizer().bytes(request),
      markers: check.markers,
      ...facts,
    },
  };
}
