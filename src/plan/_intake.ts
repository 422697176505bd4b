/**
 * The planner's first stage (internal): reads the input, validates every request and keeps the
 * ones it can plan; the others become `RejectedRequest`s naming line, `custom_id` and the fix.
 */
import { JsonlLine } from "../io/jsonl-line.js";
import { type ContextInterner, segmentRequest } from "../request/segments.js";
import { validateRequest } from "../request/validate.js";
import type { BatchRequest, RejectedRequest } from "../types.js";
import { StringInterner } from "../util/string-interner.js";
import type { PlanContext } from "./_context.js";
import { BODY_OVERHEAD_BYTES } from "./_split.js";

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

/** Reads every item: accepted requests are appended to `ctx.accepted`, in input order. */
export async function readRequests(
  requests: Iterable<unknown> | AsyncIterable<unknown>,
  ctx: PlanContext,
  interner: ContextInterner,
): Promise<Intake> {
  const rejected: RejectedRequest[] = [];
  const seen = new Map<string, number>();
  // The planner keeps every request: one copy of each long text, however many lines repeat it.
  const strings = new StringInterner();
  let position = 0;
  for await (const raw of requests as AsyncIterable<unknown>) {
    position += 1;
    const item = unwrap(raw, position);
    if ("kind" in item) {
      rejected.push(item);
      continue;
    }
    const outcome = admit(item, ctx, seen);
    if ("kind" in outcome) {
      rejected.push(outcome);
      continue;
    }
    // Only objects the planner parsed itself (`JsonlLine`s) are interned: a caller's objects are
    // never written to, not even with equal strings.
    if (item.own) strings.walk(outcome.request);
    seen.set(outcome.request.custom_id, item.line);
    ctx.accepted.push({
      request: outcome.request,
      model: outcome.request.params.model,
      segmented: segmentRequest(outcome.request, interner),
      maxTokens: outcome.request.params.max_tokens,
      bytes: outcome.bytes,
      fixedMarkers: ctx.replace ? 0 : outcome.markers,
    });
  }
  return { inputRequests: position, rejected };
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
  const bytes = ctx.sizer.bytes(check.request);
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
