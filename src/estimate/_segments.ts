/**
 * A lazy view of a request's segments for the estimate (internal). It walks the same blocks in
 * the same order as `segmentRequest()` (tools → system → messages; a string `system` or message
 * `content` is one text block) but hashes a segment only when asked: re-hashing a 20k-token shared
 * prefix for each of 100,000 requests would cost more than the whole estimate. The content hash it
 * gives equals `segmentRequest()`'s `contentHash`; test/estimate/segments.test.ts holds the two
 * together.
 */
import { appendBlock, rewriteSegments, type WalkedSegment } from "../request/segments.js";
import { isObject, type Json } from "../util/json.js";

/** Index of the message a segment belongs to, -1 outside messages. */
function messageOf(segment: WalkedSegment): number {
  return segment.location.kind === "message" ? segment.location.message : -1;
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
export function countParams(
  params: Json,
  segments: readonly WalkedSegment[],
  depth?: number,
): Json {
  const cut = depth === undefined ? segments : segments.slice(0, depth);
  const tools = cut.filter((s) => s.level === "tools").map((s) => s.block);
  const system = cut.filter((s) => s.level === "system").map((s) => s.block);
  const messages: Json[] = [];
  const roles = Array.isArray(params.messages) ? (params.messages as unknown[]) : [];
  for (const s of cut) {
    if (s.level !== "messages") continue;
    const last = messages[messages.length - 1];
    const m = messageOf(s);
    if (last !== undefined && last.index === m) {
      appendBlock(last.content as Json[], s);
    } else {
      const source = roles[m];
      const role = isObject(source) && typeof source.role === "string" ? source.role : "user";
      const content: Json[] = [];
      appendBlock(content, s);
      messages.push({ index: m, role, content });
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
  return rewriteSegments(params, ({ raw }, d) => {
    if (d < keep || raw.type !== "text" || typeof raw.text !== "string" || raw.text === "") {
      return undefined;
    }
    return { ...raw, text: placeholder(raw.text, d) };
  });
}
