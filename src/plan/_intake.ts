/**
 * The planner's first stage (internal): reads the input, validates every request and keeps the
 * ones it can plan; the others become `RejectedRequest`s naming line, `custom_id` and the fix.
 * Lines are indexed by `_index-chunk.ts` (in worker threads for a large file, `_index-pool.ts`);
 * what the planner keeps of each accepted request is `Accepted`, never the request itself.
 */
import { JsonlLine } from "../io/jsonl-line.js";
import type { Segment, SegmentedRequest } from "../request/segments.js";
import { validateRequest } from "../request/validate.js";
import type { BatchRequest, CacheTtl, RejectedRequest } from "../types.js";
import type { Accepted, PlanContext } from "./_context.js";
import { ChunkState, type IndexedRequest, type IndexRecord, segmentFacts } from "./_index-chunk.js";
import { FirstPieces, SlimSegment } from "./_slim.js";
import { FileSource, type MemorySource } from "./_source.js";
import { BODY_OVERHEAD_BYTES } from "./_split.js";

/**
 * Bytes a request may grow by when markers are added: 4 markers, each at most
 * `,"cache_control":{"type":"ephemeral","ttl":"1h"}` plus the brackets and `"type":"text","text":`
 * of a string turned into a block. Used to reject too-large requests before planning.
 */
const MARKER_ALLOWANCE_BYTES = 4 * 100;

/** An accepted request in one object (it is its own `segmented`: no second object per request). */
class AcceptedRequest implements Accepted, SegmentedRequest {
  constructor(
    readonly customId: string,
    readonly model: string,
    readonly segments: Segment[],
    readonly topLevelMarker: CacheTtl | null,
    readonly maxTokens: number,
    readonly bytes: number,
    readonly fixedMarkers: number,
  ) {}

  get segmented(): SegmentedRequest {
    return this;
  }
}

/** What the intake read: the rejected requests (accepted ones go to `ctx.accepted`). */
export interface Intake {
  /** Items read from the input. */
  inputRequests: number;
  rejected: RejectedRequest[];
}

/** Takes indexed records in input order: duplicates and sizes checked, accepted ones kept. */
export class IntakeSink {
  readonly rejected: RejectedRequest[] = [];
  readonly #seen = new Map<string, number>();
  /** One string per model name (each record brings its own copy). */
  readonly #models = new Map<string, string>();
  readonly #pieces = new FirstPieces();
  readonly #ctx: PlanContext;

  constructor(ctx: PlanContext) {
    this.#ctx = ctx;
  }

  /** One record; `request` is the parsed request when the source keeps objects. */
  take(record: IndexRecord, request?: BatchRequest): void {
    if ("rejected" in record) {
      this.rejected.push(record.rejected);
      return;
    }
    const rec = record.accepted;
    const problem = this.#problem(rec);
    if (problem !== undefined) {
      this.rejected.push(problem);
      return;
    }
    const { ctx } = this;
    this.#seen.set(rec.customId, rec.line);
    const index = ctx.accepted.length;
    const { source } = ctx;
    if (source instanceof FileSource) source.add(rec.offset, rec.length);
    else (source as MemorySource).add(request!);
    const segments = rec.segments.map(
      (s, k) =>
        new SlimSegment(
          s,
          s.key,
          s.firstPiece < 0 ? -1 : this.#pieces.add(s.firstPiece),
          source,
          index,
          k,
        ),
    );
    const model = this.#models.get(rec.model) ?? rec.model;
    this.#models.set(model, model);
    ctx.accepted.push(
      new AcceptedRequest(
        rec.customId,
        model,
        segments,
        rec.topLevelMarker,
        rec.maxTokens,
        rec.bytes,
        ctx.replace ? 0 : rec.markers,
      ),
    );
  }

  get ctx(): PlanContext {
    return this.#ctx;
  }

  /** Ends the intake: which first pieces are shared is known from here on. */
  finish(inputRequests: number): Intake {
    this.#pieces.finish();
    this.#ctx.firstPieces = this.#pieces;
    return { inputRequests, rejected: this.rejected };
  }

  /** A duplicate `custom_id`, or a request too large for any batch. */
  #problem(rec: IndexedRequest): RejectedRequest | undefined {
    const where = rec.source ? { source: rec.source } : {};
    const first = this.#seen.get(rec.customId);
    if (first !== undefined) {
      return {
        line: rec.line,
        ...where,
        custom_id: rec.customId,
        kind: "duplicate-custom-id",
        reason: `\`custom_id\` ${JSON.stringify(rec.customId)} was already used on line ${first}; results are matched by \`custom_id\`, so each must be unique. Rename one.`,
      };
    }
    const { maxBytes } = this.#ctx.options;
    if (rec.bytes + MARKER_ALLOWANCE_BYTES + BODY_OVERHEAD_BYTES > maxBytes) {
      return {
        line: rec.line,
        ...where,
        custom_id: rec.customId,
        kind: "too-large",
        reason: `The request is ${rec.bytes.toLocaleString("en-US")} bytes; with room for markers it cannot fit in a batch of \`maxBytes\` ${maxBytes.toLocaleString("en-US")}. Shrink it or raise \`maxBytes\` (the API allows 256 MB).`,
      };
    }
    return undefined;
  }
}

/**
 * Reads every item of an in-memory input (request objects, or `JsonlLine`s from `readJsonl()`):
 * accepted requests are appended to `ctx.accepted`, in input order, and kept by `ctx.source` (a
 * `MemorySource`: the caller's objects).
 */
export async function readRequests(
  requests: Iterable<unknown> | AsyncIterable<unknown>,
  ctx: PlanContext,
): Promise<Intake> {
  const sink = new IntakeSink(ctx);
  const state = new ChunkState({ userMarkers: ctx.options.userMarkers }, undefined);
  let position = 0;
  for await (const raw of requests as AsyncIterable<unknown>) {
    position += 1;
    const item = unwrap(raw, position);
    if ("kind" in item) {
      sink.take({ rejected: item });
      continue;
    }
    const check = validateRequest(item.value, { userMarkers: ctx.options.userMarkers });
    if (!check.ok) {
      sink.take({
        rejected: {
          line: item.line,
          ...item.where,
          ...(check.custom_id ? { custom_id: check.custom_id } : {}),
          kind: check.kind,
          reason: check.reason,
        },
      });
      continue;
    }
    const { request } = check;
    const accepted: IndexedRequest = {
      line: item.line,
      source: item.where.source,
      offset: 0,
      length: 0,
      customId: request.custom_id,
      model: request.params.model,
      maxTokens: request.params.max_tokens,
      bytes: state.nextSizer().bytes(request),
      markers: check.markers,
      ...segmentFacts(request, state.interner),
    };
    sink.take({ accepted }, request);
  }
  return sink.finish(position);
}

/** Where an item came from, and its value. */
interface Item {
  line: number;
  where: { source?: string };
  value: unknown;
}

/** The item's line, source and value, or its rejection when it is a line that could not be read. */
function unwrap(raw: unknown, position: number): Item | RejectedRequest {
  if (!(raw instanceof JsonlLine)) return { line: position, where: {}, value: raw };
  const { line, source } = raw;
  if (raw.parseError !== undefined) {
    const kind = raw.problem ?? "invalid-json";
    return {
      line,
      ...(source ? { source } : {}),
      kind,
      reason:
        kind === "invalid-json"
          ? `Not valid JSON: ${raw.parseError}. Each line must hold one request object.`
          : raw.parseError,
    };
  }
  return { line, where: source ? { source } : {}, value: raw.value };
}
