/**
 * Splitting a text block at its shared prefixes (internal, issue 13, `splitText`). A block the plan
 * marks inside becomes consecutive text blocks: the shared part(s), each carrying its marker, then
 * the rest with whatever else the block carried (its own `cache_control` included). A string
 * `system` or message `content` becomes a list of text blocks. The text is the same: the blocks
 * concatenate to the original, none is empty, and offsets come from the piece boundaries, which
 * never fall inside a surrogate pair.
 */
import { cacheControl } from "../request/markers.js";
import { type SegmentLocation, segmentLabel } from "../request/segments.js";
import type { BatchRequest, CacheTtl } from "../types.js";
import { isObject, type Json } from "../util/json.js";

/** A marker after the first `offset` characters of a text block. */
export interface SplitPlacement {
  location: SegmentLocation;
  offset: number;
  ttl: CacheTtl;
}

/** The text blocks a block becomes: one per split, then the rest (which keeps `block`'s fields). */
export function splitBlock(block: Json, splits: readonly SplitPlacement[]): Json[] {
  const text = block.text as string;
  const sorted = [...splits].sort((a, b) => a.offset - b.offset);
  const out: Json[] = [];
  let start = 0;
  for (const { offset, ttl } of sorted) {
    if (offset <= start || offset >= text.length) continue;
    out.push({ type: "text", text: text.slice(start, offset), cache_control: cacheControl(ttl) });
    start = offset;
  }
  out.push({ ...block, text: text.slice(start) });
  return out;
}

function listKey(location: SegmentLocation): string {
  return location.kind === "message" ? `m${location.message}` : location.kind;
}

/**
 * `request` with its text blocks split at `splits` (offsets into each block's text). Locations are
 * those of the request before splitting; markers already placed on whole blocks stay on them (on
 * the last part of a split block). The input is never mutated.
 */
export function applySplits(
  request: BatchRequest,
  splits: readonly SplitPlacement[],
): BatchRequest {
  if (splits.length === 0) return request;
  const byList = new Map<string, Map<number, SplitPlacement[]>>();
  for (const split of splits) {
    const key = listKey(split.location);
    const list = byList.get(key) ?? new Map<number, SplitPlacement[]>();
    const here = list.get(split.location.index) ?? [];
    here.push(split);
    list.set(split.location.index, here);
    byList.set(key, list);
  }
  const rewrite = (value: unknown, edits: Map<number, SplitPlacement[]> | undefined): unknown => {
    if (edits === undefined) return value;
    const blocks: unknown[] =
      typeof value === "string" ? [{ type: "text", text: value }] : [...(value as unknown[])];
    const out: unknown[] = [];
    blocks.forEach((block, index) => {
      const here = edits.get(index);
      if (here === undefined || !isObject(block) || typeof block.text !== "string") out.push(block);
      else out.push(...splitBlock(block, here));
    });
    return out;
  };
  const params = { ...(request.params as unknown as Json) };
  if (byList.has("system")) params.system = rewrite(params.system, byList.get("system"));
  if (Array.isArray(params.messages)) {
    params.messages = params.messages.map((message: unknown, m) => {
      const edits = byList.get(`m${m}`);
      if (edits === undefined || !isObject(message)) return message;
      return { ...message, content: rewrite(message.content, edits) };
    });
  }
  return { ...request, params: params as unknown as BatchRequest["params"] };
}

/**
 * The label of a marker in the split request: where the block ending at `offset` (-1: the
 * original block's end) of `location` lands once every split in `splits` (the request's splits up
 * to and including this marker) is made. Without splits in its list, the label is unchanged.
 */
export function splitLabel(
  location: SegmentLocation,
  offset: number,
  splits: readonly SplitPlacement[],
): string {
  const key = listKey(location);
  let before = 0;
  let any = false;
  for (const s of splits) {
    if (listKey(s.location) !== key) continue;
    any = true;
    if (
      s.location.index < location.index ||
      (s.location.index === location.index && (offset < 0 || s.offset < offset))
    )
      before += 1;
  }
  if (!any || location.kind === "tool") return segmentLabel(location);
  return segmentLabel({ ...location, index: location.index + before, shorthand: false });
}
