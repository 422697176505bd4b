/**
 * A lazy view of a request's segments for the estimate (internal). It walks the same blocks in
 * the same order as `segmentRequest()` (tools → system → messages; a string `system` or message
 * `content` is one text block) but hashes a segment only when asked: re-hashing a 20k-token shared
 * prefix for each of 100,000 requests would cost more than the whole estimate. The content hash it
 * gives equals `segmentRequest()`'s `contentHash`; test/estimate/segments.test.ts holds the two
 * together.
 */
import stableStringify from "fast-json-stable-stringify";
import { hashText, markerTtl, stripMarker } from "../request/segments.js";
import type { CacheTtl, SegmentLevel } from "../types.js";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** One segment, hashed on demand. */
export interface LazySegment {
  level: SegmentLevel;
  /** The block as a token counter sees it: without `cache_control`, without the role. */
  block: Json;
  /** The role of the message, on the first block of each message (it is part of the hash). */
  role: string | undefined;
  /** Index of the message, for message blocks. */
  message: number;
  /** TTL of a `cache_control` marker on the block, if any. */
  marker: CacheTtl | null;
}

/** The segments of a request's params, in cache order. */
export function lazySegments(params: Json): LazySegment[] {
  const out: LazySegment[] = [];
  const add = (level: SegmentLevel, raw: Json, role?: string, message = -1) =>
    out.push({
      level,
      block: stripMarker(raw),
      role,
      message,
      marker: markerTtl(raw.cache_control),
    });
  if (Array.isArray(params.tools)) {
    for (const tool of params.tools) if (isObject(tool)) add("tools", tool);
  }
  if (typeof params.system === "string") {
    add("system", { type: "text", text: params.system });
  } else if (Array.isArray(params.system)) {
    for (const block of params.system) if (isObject(block)) add("system", block);
  }
  if (Array.isArray(params.messages)) {
    params.messages.forEach((message, m) => {
      if (!isObject(message)) return;
      const role = typeof message.role === "string" ? message.role : undefined;
      const { content } = message;
      if (typeof content === "string") {
        add("messages", { type: "text", text: content }, role, m);
      } else if (Array.isArray(content)) {
        content.forEach((block, index) => {
          if (isObject(block)) add("messages", block, index === 0 ? role : undefined, m);
        });
      }
    });
  }
  return out;
}

/** The segment's content hash, equal to `segmentRequest()`'s `contentHash`. */
export function segmentHash(segment: LazySegment): string {
  // segmentRequest folds the role into the first block of each message; `role` is set only there.
  const hashed =
    segment.role !== undefined ? { ...segment.block, role: segment.role } : segment.block;
  return hashText(`${segment.level}\u0000${stableStringify(hashed)}`);
}

/** How a tail segment is estimated when sampled: by its text, by its JSON, or always counted. */
export type ContentKind = "text" | "json" | "media";

/**
 * The content kind of a block, its size in chars and a key that is equal for equal content: the
 * text itself, or the block's JSON. Media (images, PDFs) have no size: they are always counted.
 */
export function contentOf(block: Json): { kind: ContentKind; chars: number; key: string } {
  if (block.type === "text" && typeof block.text === "string") {
    return { kind: "text", chars: block.text.length, key: block.text };
  }
  if (block.type === "image") return { kind: "media", chars: 0, key: "" };
  if (block.type === "document") {
    const source = isObject(block.source) ? block.source : undefined;
    // Text documents are tokenized like text; PDFs, URLs and files are estimated from their size.
    if (source?.type !== "text" && source?.type !== "content")
      return { kind: "media", chars: 0, key: "" };
  }
  const json = JSON.stringify(block);
  return { kind: "json", chars: json.length, key: json };
}

/**
 * The part of a request's params that `messages.countTokens` accepts and that shapes the prompt,
 * cut after `depth` segments (all of them when `depth` is undefined), without `cache_control`.
 */
export function countParams(params: Json, segments: readonly LazySegment[], depth?: number): Json {
  const cut = depth === undefined ? segments : segments.slice(0, depth);
  const tools = cut.filter((s) => s.level === "tools").map((s) => s.block);
  const system = cut.filter((s) => s.level === "system").map((s) => s.block);
  const messages: Json[] = [];
  const roles = Array.isArray(params.messages) ? (params.messages as unknown[]) : [];
  for (const s of cut) {
    if (s.level !== "messages") continue;
    const last = messages[messages.length - 1];
    if (last !== undefined && last.index === s.message) {
      (last.content as Json[]).push(s.block);
    } else {
      const source = roles[s.message];
      const role = isObject(source) && typeof source.role === "string" ? source.role : "user";
      messages.push({ index: s.message, role, content: [s.block] });
    }
  }
  const out: Json = {
    model: params.model,
    messages: messages.map(({ role, content }) => ({ role, content })),
  };
  if (tools.length > 0) out.tools = tools;
  if (system.length > 0) out.system = system;
  for (const key of ["tool_choice", "thinking", "output_config"] as const) {
    if (params[key] !== undefined && params[key] !== null) out[key] = params[key];
  }
  return out;
}

/**
 * The label of each segment, as `segmentRequest()` gives it (`tools[2]`, `system`, `system[0]`,
 * `messages[1].content`, `messages[1].content[0]`), in the order of {@link lazySegments}.
 */
export function segmentLabels(params: Json): string[] {
  const out: string[] = [];
  if (Array.isArray(params.tools)) {
    params.tools.forEach((tool, index) => {
      if (isObject(tool)) out.push(`tools[${index}]`);
    });
  }
  if (typeof params.system === "string") {
    out.push("system");
  } else if (Array.isArray(params.system)) {
    params.system.forEach((block, index) => {
      if (isObject(block)) out.push(`system[${index}]`);
    });
  }
  if (Array.isArray(params.messages)) {
    params.messages.forEach((message, m) => {
      if (!isObject(message)) return;
      const { content } = message;
      if (typeof content === "string") {
        out.push(`messages[${m}].content`);
      } else if (Array.isArray(content)) {
        content.forEach((block, index) => {
          if (isObject(block)) out.push(`messages[${m}].content[${index}]`);
        });
      }
    });
  }
  return out;
}

/**
 * A copy of `params` whose non-empty text from segment index `keep` on (the system prompt as a
 * string, text blocks, string message content) is replaced by `placeholder(text, index)`. Every
 * other field and block stays, so the request keeps its shape, its markers and the settings that
 * key the cache (images, citations); only the text after its last marker changes. Returns
 * `params` itself when nothing is replaced.
 */
export function replaceTextFrom(
  params: Json,
  keep: number,
  placeholder: (text: string, index: number) => string,
): Json {
  let d = 0;
  let changed = false;
  const text = (value: string): string => {
    if (d < keep || value === "") return value;
    changed = true;
    return placeholder(value, d);
  };
  const block = (raw: unknown): unknown => {
    if (!isObject(raw)) return raw;
    let out: unknown = raw;
    if (d >= keep && raw.type === "text" && typeof raw.text === "string" && raw.text !== "") {
      out = { ...raw, text: text(raw.text) };
    }
    d += 1;
    return out;
  };
  if (Array.isArray(params.tools)) for (const tool of params.tools) if (isObject(tool)) d += 1;
  const out: Json = { ...params };
  if (typeof params.system === "string") {
    out.system = text(params.system);
    d += 1;
  } else if (Array.isArray(params.system)) {
    out.system = params.system.map(block);
  }
  if (Array.isArray(params.messages)) {
    out.messages = params.messages.map((message: unknown) => {
      if (!isObject(message)) return message;
      const { content } = message;
      if (typeof content === "string") {
        const replaced = text(content);
        d += 1;
        return replaced === content ? message : { ...message, content: replaced };
      }
      if (Array.isArray(content)) return { ...message, content: content.map(block) };
      return message;
    });
  }
  return changed ? out : params;
}
