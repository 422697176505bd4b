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

/** The list a location's block is in: `tools`, `system`, a message's or a tool_result's content. */
function listKey(location: SegmentLocation): string {
  if (location.kind !== "message") return location.kind;
  const m = `m${location.message}`;
  return location.part === undefined ? m : `${m}.${location.index}`;
}

function indexIn(location: SegmentLocation): number {
  return location.kind === "message" && location.part !== undefined
    ? location.part.index
    : location.index;
}

type ListEdits = Map<number, SplitPlacement[]>;

/** A list (or string) of blocks with the text blocks at `edits` split. */
function rewrite(value: unknown, edits: ListEdits | undefined): unknown {
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
}

/** A message's content with the splits inside its tool_results made, then its own. */
function rewriteMessage(message: Json, m: number, byList: Map<string, ListEdits>): Json {
  let content = message.content;
  if (Array.isArray(content)) {
    content = content.map((item: unknown, i) => {
      const inner = byList.get(`m${m}.${i}`);
      if (inner === undefined || !isObject(item)) return item;
      return { ...item, content: rewrite(item.content, inner) };
    });
  }
  return { ...message, content: rewrite(content, byList.get(`m${m}`)) };
}

/**
 * `request` with its text blocks split at `splits` (offsets into each block's text); a block
 * inside a tool_result's content is split in that content (SDK-M 4596: it is a list of text and
 * other blocks, or a string). Locations are those of the request before splitting; markers already
 * placed on whole blocks stay on them (on the last part of a split block). The input is never
 * mutated.
 */
export function applySplits(
  request: BatchRequest,
  splits: readonly SplitPlacement[],
): BatchRequest {
  if (splits.length === 0) return request;
  const byList = new Map<string, ListEdits>();
  const messages = new Set<number>();
  for (const split of splits) {
    const key = listKey(split.location);
    const list = byList.get(key) ?? new Map<number, SplitPlacement[]>();
    const index = indexIn(split.location);
    const here = list.get(index) ?? [];
    here.push(split);
    list.set(index, here);
    byList.set(key, list);
    if (split.location.kind === "message") messages.add(split.location.message);
  }
  const params = { ...(request.params as unknown as Json) };
  if (byList.has("system")) params.system = rewrite(params.system, byList.get("system"));
  if (Array.isArray(params.messages)) {
    params.messages = params.messages.map((message: unknown, m) =>
      messages.has(m) && isObject(message) ? rewriteMessage(message, m, byList) : message,
    );
  }
  return { ...request, params: params as unknown as BatchRequest["params"] };
}

/** How many of `splits` in `key`'s list land before the block ending at `offset` of `index`. */
function before(
  splits: readonly SplitPlacement[],
  key: string,
  index: number,
  offset: number,
): { count: number; any: boolean } {
  let count = 0;
  let any = false;
  for (const s of splits) {
    if (listKey(s.location) !== key) continue;
    any = true;
    const at = indexIn(s.location);
    if (at < index || (at === index && (offset < 0 || s.offset < offset))) count += 1;
  }
  return { count, any };
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
  if (location.kind === "tool") return segmentLabel(location);
  if (location.kind === "system" || location.part === undefined) {
    const { count, any } = before(splits, listKey(location), location.index, offset);
    if (!any) return segmentLabel(location);
    return segmentLabel({ ...location, index: location.index + count, shorthand: false });
  }
  // Inside a tool_result: splits before it in its message move the tool_result; splits in its
  // content move the block within it (no split falls on the tool_result itself).
  const outer = before(splits, `m${location.message}`, location.index, -1);
  const inner = before(splits, listKey(location), location.part.index, offset);
  const part = inner.any
    ? { index: location.part.index + inner.count, shorthand: false }
    : location.part;
  return segmentLabel({ ...location, index: location.index + outer.count, part });
}
