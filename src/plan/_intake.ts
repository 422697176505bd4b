/**
 * The planner's first stage (internal): reads the input, validates every request and keeps the
 * ones it can plan; the others become `RejectedRequest`s naming line, `custom_id` and the fix.
 */
import { IndexedLine } from "../io/_line-index.js";
import { JsonlLine } from "../io/jsonl-line.js";
import { JsonSizer } from "../request/json-size.js";
import { ContextInterner, segmentRequest, walkedSegments } from "../request/segments.js";
import { validateRequest } from "../request/validate.js";
import type { BatchRequest, RejectedRequest } from "../types.js";
import type { Json } from "../util/json.js";
import type { PlanContext } from "./_context.js";
import { FirstPieces, slimRequest } from "./_slim.js";
import { FileSource, MemorySource } from "./_source.js";
import { BODY_OVERHEAD_BYTES } from "./_split.js";

/** Requests measured with one `JsonSizer` before its memo of long strings is dropped. */
const SIZER_REQUESTS = 10_000;
/** Characters of text whose hashes are memoised before the memo is dropped (bounded memory). */
const TEXT_MEMO_CHARS = 32 * 2 ** 20;

/**
 * Bytes a request may grow by when markers are added: 4 markers, each at most
 * `,"cache_control":{"type":"ephemeral","ttl":"1h"}` plus the brackets and `"type":"text","text":`
 * of a string turned into a block. Used to reject too-large requests before planning.
 */
const MARKER_ALLOWANCE_BYTES = 4 * 100;

/** What the intake read: the rejected requests (accepted ones go to `ctx.accepted`). */
export interface Intake {
  /** Items read from the input. */
  inputRequests: number;
  rejected: RejectedRequest[];
}

/** Where an item came from, and its value. */
interface Item {
  line: number;
  where: { source?: string };
  value: unknown;
  /** Whether the planner parsed the value itself (so it may intern its strings). */
  own: boolean;
}

/**
 * A `ContextInterner` whose memo of text hashes is dropped once it holds `TEXT_MEMO_CHARS` of
 * text: a shared prompt is still hashed about once per drop, and unique texts are not kept.
 */
class BoundedInterner extends ContextInterner {
  #memo = new Map<string, string>();
  #chars = 0;

  override textHash(scope: string, text: string, compute: () => string): string {
    const key = `${scope}\u0001${text}`;
    let hash = this.#memo.get(key);
    if (hash === undefined) {
      hash = compute();
      if (this.#chars + key.length > TEXT_MEMO_CHARS) {
        this.#memo = new Map();
        this.#chars = 0;
      }
      this.#memo.set(key, hash);
      this.#chars += key.length;
    }
    return hash;
  }
}

/**
 * Reads every item: accepted requests are appended to `ctx.accepted`, in input order, and recorded
 * in `ctx.source` (by byte offset for a `FileSource`, whose items must be `IndexedLine`s).
 */
export async function readRequests(
  requests: Iterable<unknown> | AsyncIterable<unknown>,
  ctx: PlanContext,
): Promise<Intake> {
  const interner = new BoundedInterner();
  const pieces = new FirstPieces();
  const rejected: RejectedRequest[] = [];
  const seen = new Map<string, number>();
  let sizer = new JsonSizer();
  let position = 0;
  for await (const raw of requests as AsyncIterable<unknown>) {
    position += 1;
    if (position % SIZER_REQUESTS === 0) sizer = new JsonSizer();
    const item = unwrap(raw, position);
    if ("kind" in item) {
      rejected.push(item);
      continue;
    }
    const outcome = admit(item, ctx, seen, sizer);
    if ("kind" in outcome) {
      rejected.push(outcome);
      continue;
    }
    const { request } = outcome;
    seen.set(request.custom_id, item.line);
    const index = ctx.accepted.length;
    record(ctx, raw, request);
    const roles = walkedSegments(request.params as unknown as Json).map((w) => w.role);
    ctx.accepted.push({
      customId: request.custom_id,
      model: request.params.model,
      segmented: slimRequest(segmentRequest(request, interner), roles, pieces, ctx.source, index),
      maxTokens: request.params.max_tokens,
      bytes: outcome.bytes,
      fixedMarkers: ctx.replace ? 0 : outcome.markers,
    });
  }
  pieces.finish();
  ctx.firstPieces = pieces;
  return { inputRequests: position, rejected };
}

/** Records where an accepted request can be read again. */
function record(ctx: PlanContext, raw: unknown, request: BatchRequest): void {
  const { source } = ctx;
  if (source instanceof MemorySource) source.add(request);
  else if (source instanceof FileSource && raw instanceof IndexedLine)
    source.add(raw.offset, raw.length);
  else throw new Error("A file source needs IndexedLines (internal).");
}

/** The item's line, source and value, or its rejection when it is a line that could not be read. */
function unwrap(raw: unknown, position: number): Item | RejectedRequest {
  if (!(raw instanceof JsonlLine)) return { line: position, where: {}, value: raw, own: false };
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
  return { line, where: source ? { source } : {}, value: raw.value, own: true };
}

/** The valid request with its size and marker count, or why it cannot be planned. */
function admit(
  item: Item,
  ctx: PlanContext,
  seen: ReadonlyMap<string, number>,
  sizer: JsonSizer,
): { request: BatchRequest; bytes: number; markers: number } | RejectedRequest {
  const { line, where } = item;
  const check = validateRequest(item.value, { userMarkers: ctx.options.userMarkers });
  if (!check.ok) {
    return {
      line,
      ...where,
      ...(check.custom_id ? { custom_id: check.custom_id } : {}),
      kind: check.kind,
      reason: check.reason,
    };
  }
  const id = check.request.custom_id;
  const first = seen.get(id);
  if (first !== undefined) {
    return {
      line,
      ...where,
      custom_id: id,
      kind: "duplicate-custom-id",
      reason: `\`custom_id\` ${JSON.stringify(id)} was already used on line ${first}; results are matched by \`custom_id\`, so each must be unique. Rename one.`,
    };
  }
  const bytes = sizer.bytes(check.request);
  if (bytes + MARKER_ALLOWANCE_BYTES + BODY_OVERHEAD_BYTES > ctx.options.maxBytes) {
    return {
      line,
      ...where,
      custom_id: id,
      kind: "too-large",
      reason: `The request is ${bytes.toLocaleString("en-US")} bytes; with room for markers it cannot fit in a batch of \`maxBytes\` ${ctx.options.maxBytes.toLocaleString("en-US")}. Shrink it or raise \`maxBytes\` (the API allows 256 MB).`,
    };
  }
  return { request: check.request, bytes, markers: check.markers };
}
