import stableStringify from "fast-json-stable-stringify";
import type { BatchRequest, CacheTtl, SegmentLevel } from "../types.js";
import { hashText } from "../util/hash.js";
import { isObject, type Json } from "../util/json.js";

/**
 * A block inside a `tool_result`'s `content` (SDK-M 4596: `content?: string | Array<TextBlockParam
 * | ImageBlockParam | SearchResultBlockParam | DocumentBlockParam | ToolReferenceBlockParam |
 * BrowserStateBlockParam>`, each with its own `cache_control`): its index in that list, or 0 with
 * `shorthand` for a string `content`.
 */
export interface SegmentPart {
  index: number;
  shorthand: boolean;
}

/** Where a segment's block lives in the request, so a marker can be put on it. */
export type SegmentLocation =
  | { kind: "tool"; index: number }
  | { kind: "system"; index: number; shorthand: boolean }
  | {
      kind: "message";
      message: number;
      index: number;
      shorthand: boolean;
      /** Set for a block inside the `tool_result` at `content[index]`. */
      part?: SegmentPart;
    };

/** One cacheable unit of a request, in prefix order `tools → system → messages`. */
export interface Segment {
  level: SegmentLevel;
  /** Where it is, for people: `tools[2]`, `system[0]`, `messages[1].content[0]`. */
  label: string;
  location: SegmentLocation;
  /** Hash of the block with `cache_control` removed and string shorthand normalised. */
  contentHash: string;
  /** `contentHash` plus the request's cache-relevant settings at this level: the trie key. */
  key: string;
  /** Whether the block may carry `cache_control` (reference §1.5). */
  eligible: boolean;
  /** Lookback position (runs of `tool_use` and of `tool_result` blocks fold into one, reference fact 3). */
  position: number;
  /** TTL of a `cache_control` marker already on this block, if any. */
  marker: CacheTtl | null;
  /** The block as the token counter sees it (normalised, without `cache_control`). */
  block: Record<string, unknown>;
}

/** A request split into segments. */
export interface SegmentedRequest {
  segments: Segment[];
  /** TTL of a top-level (automatic) `cache_control`, which marks the last cacheable block. */
  topLevelMarker: CacheTtl | null;
}

/**
 * Block types that can carry `cache_control` (reference §1.5: SDK 1.12.0 param types with a
 * `cache_control` field). Thinking and redacted-thinking blocks cannot; unknown types are treated
 * as ineligible so the planner never produces a 400.
 */
const CACHEABLE_BLOCK_TYPES = new Set([
  "text",
  "image",
  "document",
  "search_result",
  "tool_use",
  "tool_result",
  "server_tool_use",
  "web_search_tool_result",
  "web_fetch_tool_result",
  "code_execution_tool_result",
  "bash_code_execution_tool_result",
  "text_editor_code_execution_tool_result",
  "tool_search_tool_result",
  "tool_reference",
  "container_upload",
  "browser_state",
]);

// The short content hash (132 bits of SHA-256; a collision only costs a wasted marker) lives in
// util/hash.ts with the other digests.
export { hashText } from "../util/hash.js";

/** `block` without its `cache_control` (the same value when it has none, or is no object). */
export function stripMarker<T>(block: T): T {
  if (typeof block !== "object" || block === null || !("cache_control" in block)) return block;
  const { cache_control: _removed, ...rest } = block as Json;
  return rest as T;
}

/** The TTL a `cache_control` value asks for: `"1h"`, `"5m"` (the API default), or null if absent. */
export function markerTtl(marker: unknown): CacheTtl | null {
  if (marker == null) return null;
  return isObject(marker) && marker.ttl === "1h" ? "1h" : "5m";
}

function blockEligible(block: Json): boolean {
  if (typeof block.type !== "string" || !CACHEABLE_BLOCK_TYPES.has(block.type)) return false;
  // "Empty text blocks cannot be cached" (reference §1.5, PC-zh §无法缓存的内容).
  if (block.type === "text" && (typeof block.text !== "string" || block.text === "")) return false;
  return true;
}

function hasImage(blocks: unknown): boolean {
  if (!Array.isArray(blocks)) return false;
  for (const block of blocks) {
    if (!isObject(block)) continue;
    if (block.type === "image") return true;
    if (block.type === "tool_result" && hasImage(block.content)) return true;
  }
  return false;
}

/**
 * The settings that change the cache key at each level, following the invalidation table in
 * reference §1.6. A change at one level invalidates that level and every later one, so the context
 * grows from tools to messages. Where the table says "model-dependent" (thinking, effort) the
 * setting is applied from the tools level on: conservative, so the planner never counts on a read
 * that cannot happen. `inference_geo` is included too: whether caches are shared across
 * inference regions is not documented, so requests in different regions are not grouped.
 */
function levelContexts(params: Json): Record<SegmentLevel, string> {
  const outputConfig = isObject(params.output_config) ? params.output_config : undefined;
  const base = stableStringify([
    params.model,
    params.inference_geo ?? null,
    params.thinking ?? null,
    outputConfig?.effort ?? null,
  ]);
  let citations = false;
  let images = false;
  if (Array.isArray(params.messages)) {
    for (const message of params.messages) {
      if (!isObject(message) || !Array.isArray(message.content)) continue;
      if (hasImage(message.content)) images = true;
      for (const block of message.content) {
        if (isObject(block) && isObject(block.citations) && block.citations.enabled === true) {
          citations = true;
        }
      }
    }
  }
  const system = `${base}|${stableStringify([params.speed ?? null, citations])}`;
  const messages = `${system}|${stableStringify([
    params.tool_choice ?? null,
    outputConfig ?? null,
    params.output_format ?? null,
    params.context_management ?? null,
    images,
  ])}`;
  return { tools: base, system, messages };
}

/** A text block with nothing but `type` and `text`. */
function isPlainText(block: Json): boolean {
  if (block.type !== "text" || typeof block.text !== "string") return false;
  for (const key in block) {
    if (key !== "type" && key !== "text") return false;
  }
  return true;
}

/** Interns long context strings into short ids so trie keys stay small. */
export class ContextInterner {
  readonly #ids = new Map<string, string>();
  readonly #textHashes = new Map<string, Map<string, string>>();

  /**
   * The content hash of a plain text block, memoised by its text: a 16 KB system prompt shared
   * by 100,000 requests is stringified and hashed once, not once per request.
   */
  textHash(scope: string, text: string, compute: () => string): string {
    let byText = this.#textHashes.get(scope);
    if (byText === undefined) {
      byText = new Map();
      this.#textHashes.set(scope, byText);
    }
    let hash = byText.get(text);
    if (hash === undefined) {
      hash = compute();
      byText.set(text, hash);
    }
    return hash;
  }

  id(context: string): string {
    let id = this.#ids.get(context);
    if (id === undefined) {
      id = this.#ids.size.toString(36);
      this.#ids.set(context, id);
    }
    return id;
  }
}

/**
 * One segment as the walk meets it: where it is and what it is, not yet hashed. This is the lazy
 * mode of the walk: `estimate()` keeps these for 100,000 requests and hashes a segment only when
 * asked ({@link segmentHash}); {@link segmentRequest} hashes every one.
 */
export interface WalkedSegment {
  level: SegmentLevel;
  location: SegmentLocation;
  /** The block as written, `cache_control` included; a string `system` or `content` as a text block. */
  raw: Json;
  /** The block without `cache_control` (the same object when it has none). */
  block: Json;
  /** The role of its message, on the first block of each message only (it is part of the hash). */
  role: string | undefined;
  /** TTL of a `cache_control` marker on the block, if any. */
  marker: CacheTtl | null;
  /** Whether the block may carry `cache_control` (reference §1.5). */
  eligible: boolean;
  /**
   * On the first block inside a `tool_result`'s content only: the `tool_result`'s other fields
   * (`tool_use_id`, `is_error`, …), which come before it in the prompt, so they are part of its hash.
   */
  within?: Json;
}

/**
 * Whether the walk enters this block's `content`: a `tool_result` whose content is a string or a
 * non-empty list. Its blocks then come first, as segments of their own, and the `tool_result`'s
 * own segment (its marker, if any, caches the prefix up to the block's end) follows them with
 * its `content` left out, so no text is counted twice.
 */
function entersContent(block: Json): boolean {
  if (block.type !== "tool_result") return false;
  const { content } = block;
  if (typeof content === "string") return true;
  return Array.isArray(content) && content.length > 0 && content.every(isObject);
}

/** A `tool_result` block without its `content` and `cache_control`: what its own segment hashes. */
function shellOf(block: Json): Json {
  const { content: _content, cache_control: _marker, ...shell } = block;
  return shell;
}

/**
 * The one walk over a request's cache segments, in prefix order (reference §1.1): each tool
 * definition, each system block, each message content block; a string `system` or message
 * `content` counts as one text block. A `tool_result`'s content blocks (or its string content, as
 * one text block) come before the `tool_result` itself: each can carry `cache_control` (SDK-M
 * 4596, 4192), so each is a place for a breakpoint and a marker there counts toward the 4 (reference
 * fact 2: "A maximum of 4 blocks with cache_control"). Items that are not objects are skipped.
 */
export function walkSegments(params: Json, visit: (segment: WalkedSegment) => void): void {
  const at = (
    level: SegmentLevel,
    location: SegmentLocation,
    raw: Json,
    role?: string,
    within?: Json,
  ) => {
    const block = stripMarker(raw);
    const marker = markerTtl(raw.cache_control);
    const eligible = level === "tools" || blockEligible(block);
    const segment: WalkedSegment = { level, location, raw, block, role, marker, eligible };
    if (within !== undefined) segment.within = within;
    visit(segment);
  };
  /** A message content block; a `tool_result`'s content blocks first (see above). */
  const messageBlock = (
    location: Extract<SegmentLocation, { kind: "message" }>,
    raw: Json,
    role: string | undefined,
  ) => {
    if (!entersContent(raw)) {
      at("messages", location, raw, role);
      return;
    }
    const shell = shellOf(raw);
    const inner = raw.content as string | unknown[];
    if (typeof inner === "string") {
      const part = { index: 0, shorthand: true };
      at("messages", { ...location, part }, textBlock(inner), role, shell);
    } else {
      inner.forEach((item, index) => {
        const part = { index, shorthand: false };
        const first = index === 0;
        at(
          "messages",
          { ...location, part },
          item as Json,
          first ? role : undefined,
          first ? shell : undefined,
        );
      });
    }
    visit({
      level: "messages",
      location,
      raw,
      block: shell,
      role: undefined,
      marker: markerTtl(raw.cache_control),
      eligible: blockEligible(shell),
    });
  };
  if (Array.isArray(params.tools)) {
    params.tools.forEach((tool, index) => {
      if (isObject(tool)) at("tools", { kind: "tool", index }, tool);
    });
  }
  if (typeof params.system === "string") {
    at("system", { kind: "system", index: 0, shorthand: true }, textBlock(params.system));
  } else if (Array.isArray(params.system)) {
    params.system.forEach((block, index) => {
      if (isObject(block)) at("system", { kind: "system", index, shorthand: false }, block);
    });
  }
  if (!Array.isArray(params.messages)) return;
  params.messages.forEach((message, m) => {
    if (!isObject(message)) return;
    const role = typeof message.role === "string" ? message.role : undefined;
    const { content } = message;
    if (typeof content === "string") {
      const location = { kind: "message", message: m, index: 0, shorthand: true } as const;
      at("messages", location, textBlock(content), role);
    } else if (Array.isArray(content)) {
      content.forEach((block, index) => {
        if (!isObject(block)) return;
        const location = { kind: "message", message: m, index, shorthand: false } as const;
        messageBlock(location, block, index === 0 ? role : undefined);
      });
    }
  });
}

/** The `tool_result` blocks {@link appendBlock} rebuilt from their content's segments. */
const rebuilt = new WeakSet<Json>();

/**
 * Appends a segment's block to a message's content as the prompt holds it (no `cache_control`): a
 * block inside a `tool_result` goes into that `tool_result`'s content (rebuilt from its first
 * block's `within`), and the `tool_result`'s own segment adds nothing after its blocks. So a
 * request cut after any segment can be counted as it would be sent.
 */
export function appendBlock(content: Json[], segment: WalkedSegment): void {
  const { location, block } = segment;
  const last = content[content.length - 1];
  if (location.kind === "message" && location.part !== undefined) {
    if (segment.within !== undefined) {
      const opened: Json = { ...segment.within, content: [block] };
      rebuilt.add(opened);
      content.push(opened);
    } else if (last !== undefined && rebuilt.has(last)) (last.content as Json[]).push(block);
    return;
  }
  if (last !== undefined && rebuilt.has(last) && block.type === "tool_result") {
    rebuilt.delete(last); // closed: a later tool_result starts its own
    return;
  }
  content.push(block);
}

/** The segments of a request's params, unhashed (the lazy mode of {@link walkSegments}). */
export function walkedSegments(params: Json): WalkedSegment[] {
  const out: WalkedSegment[] = [];
  walkSegments(params, (segment) => out.push(segment));
  return out;
}

function textBlock(text: string): Json {
  return { type: "text", text };
}

/** Where a segment is, for people: `tools[2]`, `system`, `system[0]`, `messages[1].content[0]`. */
export function segmentLabel(location: SegmentLocation): string {
  switch (location.kind) {
    case "tool":
      return `tools[${location.index}]`;
    case "system":
      return location.shorthand ? "system" : `system[${location.index}]`;
    case "message": {
      const content = `messages[${location.message}].content`;
      const block = location.shorthand ? content : `${content}[${location.index}]`;
      const { part } = location;
      if (part === undefined) return block;
      return part.shorthand ? `${block}.content` : `${block}.content[${part.index}]`;
    }
  }
}

/**
 * What a segment's hash folds in besides its block: its message's role (on a message's first
 * block) and, on a `tool_result`'s first content block, the `tool_result`'s other fields. Text
 * pieces of the block (`plan/_text-paths.ts`) fold in the same, so equal pieces after one shared
 * prefix are equal bytes of the prompt.
 */
export function foldedContext(segment: {
  role?: string | undefined;
  within?: Json | undefined;
}): string {
  const role = segment.role ?? "";
  return segment.within === undefined ? role : `${role}\u0000${stableStringify(segment.within)}`;
}

/**
 * {@link foldedContext} of the segment at `location` in `params`, read from there without a walk
 * (the planner asks it of a few segments of requests it no longer holds walked).
 */
export function foldedContextAt(params: Json, location: SegmentLocation): string {
  if (location.kind !== "message" || !Array.isArray(params.messages)) return "";
  const message = params.messages[location.message];
  const { part } = location;
  const first = part === undefined ? location.index === 0 : part.index === 0;
  if (!isObject(message) || !first) return "";
  const block = Array.isArray(message.content) ? message.content[location.index] : undefined;
  const entered = isObject(block) && entersContent(block);
  // A tool_result's role goes to its first content block, with the tool_result's own fields.
  if (entered && part === undefined) return "";
  const role = location.index === 0 && typeof message.role === "string" ? message.role : undefined;
  return foldedContext({ role, within: entered ? shellOf(block) : undefined });
}

/** The segment's content hash, without memoising: equal to `segmentRequest()`'s `contentHash`. */
export function segmentHash(
  segment: Pick<WalkedSegment, "level" | "block" | "role" | "within">,
): string {
  // The role is part of the rendered prompt: it is folded into the first block of each message;
  // a tool_result's own fields are folded into its first content block the same way.
  let hashed =
    segment.role !== undefined ? { ...segment.block, role: segment.role } : segment.block;
  if (segment.within !== undefined) hashed = { ...hashed, within: segment.within };
  return hashText(`${segment.level}\u0000${stableStringify(hashed)}`);
}

/**
 * Index of the block a top-level (automatic) `cache_control` marks: the last cacheable one,
 * walking back over ineligible blocks; -1 when there is none, and the marker is skipped
 * (reference §1.4: "applies a cache_control marker to the last cacheable block"; edge cases).
 */
export function lastCacheable(segments: readonly { eligible: boolean }[]): number {
  for (let i = segments.length - 1; i >= 0; i--) if (segments[i]!.eligible) return i;
  return -1;
}

/**
 * A copy of `params` in which each segment's block is replaced by what `edit` returns for it
 * (`undefined` keeps it). A string `system` or message `content` stays a string when its new
 * block is a plain text block, and becomes the equivalent one-block array otherwise (the only
 * form that can carry `cache_control`). `edit` may return a string to ask for that shorthand: a
 * list of one block becomes the string (a longer list gets a text block). Returns `params`
 * itself when nothing changed; the input is never mutated.
 */
export function rewriteSegments(
  params: Json,
  edit: (segment: WalkedSegment, index: number) => Json | string | undefined,
): Json {
  const edits = new LocationMap<Json | string>();
  let d = 0;
  walkSegments(params, (segment) => {
    const replaced = edit(segment, d);
    d += 1;
    if (replaced !== undefined && replaced !== segment.raw) edits.set(segment.location, replaced);
  });
  if (edits.size === 0) return params;
  const out: Json = { ...params };
  if (params.tools !== undefined) out.tools = rewriteList(params.tools, edits.list("tools"));
  if (params.system !== undefined) out.system = rewriteList(params.system, edits.list("system"));
  if (Array.isArray(params.messages)) {
    out.messages = params.messages.map((message: unknown, m) => {
      if (!isObject(message) || !edits.touches(m)) return message;
      const parts = (i: number) => edits.list(`${m}.${i}`);
      return { ...message, content: rewriteList(message.content, edits.list(m), parts) };
    });
  }
  return out;
}

type Edits = ReadonlyMap<number, Json | string> | undefined;

/**
 * One list (`tools`, `system`, a message's or a `tool_result`'s `content`) with its edits made. A
 * `tool_result` whose content the walk entered gets its content back, with its own edits made.
 */
function rewriteList(value: unknown, edited: Edits, parts?: (index: number) => Edits): unknown {
  const only = edited?.get(0);
  if (typeof value === "string") {
    if (only === undefined || typeof only === "string") return only ?? value;
    return isPlainText(only) ? only.text : [only];
  }
  if (!Array.isArray(value)) return value;
  if (typeof only === "string" && value.length === 1) return only;
  return value.map((item, i) => {
    const replaced = edited?.get(i);
    const block = typeof replaced === "string" ? textBlock(replaced) : (replaced ?? item);
    if (parts === undefined || !isObject(item) || !entersContent(item)) return block;
    const inner = parts(i);
    if (inner === undefined && replaced === undefined) return item;
    return withContent(item, block as Json, rewriteList(item.content, inner));
  });
}

/**
 * `block` (an edit of the `tool_result` `item`, made on its content-less form) with `content`, its
 * keys in `item`'s order so that only what was edited changes.
 */
function withContent(item: Json, block: Json, content: unknown): Json {
  const out: Json = {};
  for (const key of Object.keys(item)) {
    if (key === "content") out.content = content;
    else if (key in block) out[key] = block[key];
  }
  for (const key of Object.keys(block)) if (!(key in out)) out[key] = block[key];
  return out;
}

/** Values keyed by segment location (no label strings built: the planner calls this per request). */
export class LocationMap<T> {
  readonly #lists = new Map<string | number, Map<number, T>>();
  readonly #messages = new Set<number>();
  #size = 0;

  /** Entries in the map. */
  get size(): number {
    return this.#size;
  }

  set(location: SegmentLocation, value: T): void {
    const key = listKey(location);
    let list = this.#lists.get(key);
    if (list === undefined) {
      list = new Map();
      this.#lists.set(key, list);
    }
    const index = indexIn(location);
    if (!list.has(index)) this.#size += 1;
    list.set(index, value);
    if (location.kind === "message") this.#messages.add(location.message);
  }

  get(location: SegmentLocation): T | undefined {
    return this.#lists.get(listKey(location))?.get(indexIn(location));
  }

  /**
   * The entries of one list by index: `"tools"`, `"system"`, a message's index, or
   * `"<message>.<index>"` for the content of the `tool_result` at that place.
   */
  list(
    key: "tools" | "system" | number | `${number}.${number}`,
  ): ReadonlyMap<number, T> | undefined {
    return this.#lists.get(key);
  }

  /** Whether any entry is in message `m` (in its content or inside a `tool_result` of it). */
  touches(m: number): boolean {
    return this.#messages.has(m);
  }
}

function indexIn(location: SegmentLocation): number {
  return location.kind === "message" && location.part !== undefined
    ? location.part.index
    : location.index;
}

function listKey(location: SegmentLocation): string | number {
  if (location.kind !== "message") return location.kind === "tool" ? "tools" : "system";
  return location.part === undefined ? location.message : `${location.message}.${location.index}`;
}

/**
 * Lookback positions, segment by segment: runs of tool_use blocks, and runs of tool_result blocks,
 * count as one position (reference fact 3, PC-zh §三个核心原则 (3)). A tool_result is one block
 * however many blocks its content holds: they share its position (the docs count blocks, and a
 * run of tool_result blocks as one).
 */
class Positions {
  #position = -1;
  #previousType: string | undefined;
  /** The tool_result (`"<message>.<index>"`) whose content blocks are being walked. */
  #open: string | undefined;

  next(s: WalkedSegment): number {
    const { location, level } = s;
    const container =
      location.kind === "message" ? `${location.message}.${location.index}` : undefined;
    const inside = location.kind === "message" && location.part !== undefined;
    if (container !== undefined && container === this.#open) {
      if (!inside) this.#open = undefined; // the tool_result's own segment closes it
      return this.#position;
    }
    const type = inside ? "tool_result" : typeof s.raw.type === "string" ? s.raw.type : undefined;
    const folds =
      level === "messages" &&
      (type === "tool_use" || type === "tool_result") &&
      type === this.#previousType;
    if (!folds) this.#position += 1;
    this.#previousType = level === "messages" ? type : undefined;
    this.#open = inside ? container : undefined;
    return this.#position;
  }
}

/**
 * Splits a (valid) request into segments in cache order (see {@link walkSegments}), hashed and
 * keyed with the request's cache-relevant settings (reference §1.1 and the DESIGN map's
 * "segment").
 */
export function segmentRequest(request: BatchRequest, interner: ContextInterner): SegmentedRequest {
  const params = request.params as unknown as Json;
  const contexts = levelContexts(params);
  const ctx = {
    tools: interner.id(contexts.tools),
    system: interner.id(contexts.system),
    messages: interner.id(contexts.messages),
  };
  const segments: Segment[] = [];
  const positions = new Positions();
  walkSegments(params, (s) => {
    const position = positions.next(s);
    const { level, block, role } = s;
    const contentHash =
      isPlainText(block) && s.within === undefined
        ? interner.textHash(`${level}\u0000${role ?? ""}`, block.text as string, () =>
            segmentHash(s),
          )
        : segmentHash(s);
    segments.push({
      level,
      label: segmentLabel(s.location),
      location: s.location,
      contentHash,
      key: `${ctx[level]}:${contentHash}`,
      eligible: s.eligible,
      position,
      marker: s.marker,
      block,
    });
  });
  return { segments, topLevelMarker: markerTtl(params.cache_control) };
}
