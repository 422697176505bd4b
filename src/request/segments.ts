import { createHash } from "node:crypto";
import stableStringify from "fast-json-stable-stringify";
import type { BatchRequest, CacheTtl, SegmentLevel } from "../types.js";

/** Where a segment's block lives in the request, so a marker can be put on it. */
export type SegmentLocation =
  | { kind: "tool"; index: number }
  | { kind: "system"; index: number; shorthand: boolean }
  | { kind: "message"; message: number; index: number; shorthand: boolean };

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

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Short, stable content hash (132 bits of SHA-256): collisions only cost a wasted marker. */
export function hashText(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 22);
}

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

/** A text block with nothing but `type`, `text` and the folded-in `role`. */
function isPlainText(block: Json): boolean {
  if (block.type !== "text" || typeof block.text !== "string") return false;
  for (const key in block) {
    if (key !== "type" && key !== "text" && key !== "role") return false;
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
 * Splits a (valid) request into segments in cache order: each tool definition, each system block,
 * each message content block; a string `system` or message `content` counts as one text block
 * (reference §1.1 and the DESIGN map's "segment").
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
  let position = -1;
  let previousType: string | undefined;

  const push = (level: SegmentLevel, label: string, location: SegmentLocation, raw: Json) => {
    const block = stripMarker(raw);
    const compute = () => hashText(`${level}\u0000${stableStringify(block)}`);
    const contentHash = isPlainText(block)
      ? interner.textHash(
          `${level}\u0000${String(block.role ?? "")}`,
          block.text as string,
          compute,
        )
      : compute();
    const type = typeof raw.type === "string" ? raw.type : undefined;
    // Runs of tool_use blocks, and runs of tool_result blocks, count as one lookback position
    // (reference fact 3, PC-zh §三个核心原则 (3)).
    const folds =
      level === "messages" &&
      (type === "tool_use" || type === "tool_result") &&
      type === previousType;
    if (!folds) position += 1;
    previousType = level === "messages" ? type : undefined;
    segments.push({
      level,
      label,
      location,
      contentHash,
      key: `${ctx[level]}:${contentHash}`,
      eligible: level === "tools" ? true : blockEligible(block),
      position,
      marker: markerTtl(raw.cache_control),
      block,
    });
  };

  if (Array.isArray(params.tools)) {
    params.tools.forEach((tool, index) => {
      if (isObject(tool)) push("tools", `tools[${index}]`, { kind: "tool", index }, tool);
    });
  }
  if (typeof params.system === "string") {
    push(
      "system",
      "system",
      { kind: "system", index: 0, shorthand: true },
      { type: "text", text: params.system },
    );
  } else if (Array.isArray(params.system)) {
    params.system.forEach((block, index) => {
      if (isObject(block))
        push("system", `system[${index}]`, { kind: "system", index, shorthand: false }, block);
    });
  }
  const messages = params.messages as unknown[];
  messages.forEach((message, m) => {
    const { role, content } = message as Json;
    // The role is part of the rendered prompt: fold it into the first block of each message.
    if (typeof content === "string") {
      push(
        "messages",
        `messages[${m}].content`,
        { kind: "message", message: m, index: 0, shorthand: true },
        {
          type: "text",
          text: content,
          role,
        },
      );
      segments[segments.length - 1]!.block = { type: "text", text: content };
    } else if (Array.isArray(content)) {
      content.forEach((block, index) => {
        if (!isObject(block)) return;
        const withRole = index === 0 ? { ...block, role } : block;
        push(
          "messages",
          `messages[${m}].content[${index}]`,
          { kind: "message", message: m, index, shorthand: false },
          withRole,
        );
        if (index === 0) segments[segments.length - 1]!.block = stripMarker(block);
      });
    }
  });
  return { segments, topLevelMarker: markerTtl(params.cache_control) };
}
