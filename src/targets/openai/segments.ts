/**
 * The walk over an OpenAI request body in the order OpenAI caches a prompt (reference §4.6, §7:
 * "shared prefix first, volatile content last, identical tools and schemas"): each tool
 * definition, then `instructions` (Responses), then each message or input item and its content
 * parts. The settings that change the rendered prompt without being a segment (the output schema,
 * tool choice, reasoning effort, the endpoint, a user's own `prompt_cache_key`) go into every
 * segment's key, so requests that differ in them are never grouped.
 */
import stableStringify from "fast-json-stable-stringify";
import { hashText } from "../../util/hash.js";
import { isObject, type Json } from "../../util/json.js";
import type { OpenAIEndpoint } from "./limits.js";

/** Where a segment is: a tool, the instructions, or a message/input item and one of its parts. */
export type OpenAILocation =
  | { kind: "tool"; index: number }
  | { kind: "instructions" }
  /** `item` -1 is a string `input`; `part` -1 is a string `content` (the whole message). */
  | { kind: "item"; item: number; part: number };

/** One cacheable unit of a request. */
export interface OpenAISegment {
  level: "tools" | "system" | "messages";
  /** For people: `tools[0]`, `instructions`, `messages[0].content`, `input[2].content[1]`. */
  label: string;
  location: OpenAILocation;
  /** The trie key: the request's cache context plus the content hash. */
  key: string;
  /** The text the token counter sees (JSON for tools and non-text parts). */
  text: string;
  /** Extra tokens for an image part (its text is empty). */
  imageTokens: number;
  /** Whether a `prompt_cache_breakpoint` may go on it (a content part, or a string content made one). */
  eligible: boolean;
  /** Whether the user already put a `prompt_cache_breakpoint` on it. */
  marked: boolean;
}

/** Tokens assumed for an image part: 765, a 512×512 high-detail tile pair plus base (estimate). */
export const IMAGE_TOKENS = 765;

/** Part types that can carry `prompt_cache_breakpoint` (OA-SDK content part types). */
const BREAKPOINT_PARTS = new Set([
  "text",
  "image_url",
  "input_audio",
  "file",
  "input_text",
  "input_image",
  "input_file",
]);

/** The settings that split caches, as one string (see the module comment). */
export function cacheContext(url: OpenAIEndpoint, body: Json): string {
  const text = isObject(body.text) ? body.text : undefined;
  const reasoning = isObject(body.reasoning) ? body.reasoning.effort : undefined;
  return stableStringify([
    body.model,
    url,
    body.response_format ?? text?.format ?? null,
    body.tool_choice ?? null,
    body.reasoning_effort ?? reasoning ?? null,
    body.prompt_cache_key ?? null,
  ]);
}

function partText(part: Json): { text: string; image: number } {
  if (typeof part.text === "string") return { text: part.text, image: 0 };
  if (part.type === "image_url" || part.type === "input_image")
    return { text: "", image: IMAGE_TOKENS };
  const { prompt_cache_breakpoint: _bp, ...rest } = part;
  return { text: stableStringify(rest), image: 0 };
}

/** Visits each segment of a body, in prefix order. */
export function walkOpenAI(
  url: OpenAIEndpoint,
  body: Json,
  visit: (s: Omit<OpenAISegment, "key"> & { hashed: string }) => void,
): void {
  const emit = (
    level: OpenAISegment["level"],
    label: string,
    location: OpenAILocation,
    text: string,
    image: number,
    eligible: boolean,
    marked: boolean,
    role?: string,
  ) => {
    const hashed = `${level}\u0000${role ?? ""}\u0000${text}\u0000${image}`;
    visit({ level, label, location, text, imageTokens: image, eligible, marked, hashed });
  };
  if (Array.isArray(body.tools)) {
    body.tools.forEach((tool, index) => {
      if (isObject(tool))
        emit(
          "tools",
          `tools[${index}]`,
          { kind: "tool", index },
          stableStringify(tool),
          0,
          false,
          false,
        );
    });
  }
  if (
    url === "/v1/responses" &&
    typeof body.instructions === "string" &&
    body.instructions !== ""
  ) {
    emit("system", "instructions", { kind: "instructions" }, body.instructions, 0, false, false);
  }
  const list = url === "/v1/chat/completions" ? body.messages : body.input;
  const name = url === "/v1/chat/completions" ? "messages" : "input";
  if (typeof list === "string") {
    emit("messages", "input", { kind: "item", item: -1, part: -1 }, list, 0, true, false, "user");
    return;
  }
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    if (!isObject(item)) return;
    const role = typeof item.role === "string" ? item.role : undefined;
    const level = role === "system" || role === "developer" ? "system" : "messages";
    const content = item.content;
    const isMessage = role !== undefined && (item.type === undefined || item.type === "message");
    if (
      !isMessage ||
      (content !== undefined &&
        content !== null &&
        typeof content !== "string" &&
        !Array.isArray(content))
    ) {
      // A function call, its output, a reasoning item: the whole item is one segment, no breakpoint.
      emit(
        "messages",
        `${name}[${i}]`,
        { kind: "item", item: i, part: -1 },
        stableStringify(item),
        0,
        false,
        false,
      );
      return;
    }
    const extra = Object.fromEntries(
      Object.entries(item).filter(([k]) => k !== "content" && k !== "role" && k !== "type"),
    );
    const suffix = Object.keys(extra).length > 0 ? stableStringify(extra) : "";
    if (typeof content === "string" || content === null || content === undefined) {
      emit(
        level,
        `${name}[${i}].content`,
        { kind: "item", item: i, part: -1 },
        `${content ?? ""}${suffix}`,
        0,
        typeof content === "string" && (url === "/v1/chat/completions" || role !== "assistant"),
        false,
        role,
      );
      return;
    }
    content.forEach((part, p) => {
      if (!isObject(part)) return;
      const { text, image } = partText(part);
      const last = p === content.length - 1;
      emit(
        level,
        `${name}[${i}].content[${p}]`,
        { kind: "item", item: i, part: p },
        last ? `${text}${suffix}` : text,
        image,
        typeof part.type === "string" && BREAKPOINT_PARTS.has(part.type),
        isObject(part.prompt_cache_breakpoint),
        p === 0 ? role : undefined,
      );
    });
  });
}

/** Content hashes of long segment texts, so a prompt shared by 100,000 requests is hashed once. */
const hashes = new Map<string, string>();
const MAX_HASHES = 100_000;

function hashOf(hashed: string): string {
  if (hashed.length < 512) return hashText(hashed);
  let h = hashes.get(hashed);
  if (h === undefined) {
    h = hashText(hashed);
    if (hashes.size >= MAX_HASHES) hashes.clear();
    hashes.set(hashed, h);
  }
  return h;
}

/** The segments of a body, keyed by `context` (see {@link cacheContext}). */
export function segmentOpenAI(url: OpenAIEndpoint, body: Json, context: string): OpenAISegment[] {
  const out: OpenAISegment[] = [];
  walkOpenAI(url, body, ({ hashed, ...s }) =>
    out.push({ ...s, key: `${context}\u0001${hashOf(hashed)}` }),
  );
  return out;
}

/** Breakpoints a body already carries (`prompt_cache_breakpoint` on content parts). */
export function countBreakpoints(url: OpenAIEndpoint, body: Json): number {
  let n = 0;
  walkOpenAI(url, body, (s) => {
    if (s.marked) n += 1;
  });
  return n;
}

/** The explicit breakpoint value (OA-SDK `PromptCacheBreakpoint`: `{mode: "explicit"}`). */
const BREAKPOINT = Object.freeze({ mode: "explicit" as const });

/**
 * A copy of `body` with a `prompt_cache_breakpoint` on each given location (string contents
 * become one text part, the only form that can carry one). The input is never mutated.
 */
export function applyBreakpoints(
  url: OpenAIEndpoint,
  body: Json,
  locations: readonly OpenAILocation[],
): Json {
  if (locations.length === 0) return body;
  const chat = url === "/v1/chat/completions";
  const textType = chat ? "text" : "input_text";
  const field = chat ? "messages" : "input";
  const list = body[field];
  if (typeof list === "string") {
    return {
      ...body,
      input: [
        {
          role: "user",
          content: [{ type: textType, text: list, prompt_cache_breakpoint: BREAKPOINT }],
        },
      ],
    };
  }
  if (!Array.isArray(list)) return body;
  const items = [...list];
  for (const loc of locations) {
    if (loc.kind !== "item" || loc.item < 0) continue;
    const item = items[loc.item] as Json;
    const partType = textType;
    if (loc.part < 0) {
      if (typeof item.content !== "string") continue;
      items[loc.item] = {
        ...item,
        content: [{ type: partType, text: item.content, prompt_cache_breakpoint: BREAKPOINT }],
      };
    } else {
      const content = [...(item.content as unknown[])];
      content[loc.part] = { ...(content[loc.part] as Json), prompt_cache_breakpoint: BREAKPOINT };
      items[loc.item] = { ...item, content };
    }
  }
  return { ...body, [field]: items };
}

/** A copy of `body` without any `prompt_cache_breakpoint` (for `userMarkers: "replace"`). */
export function stripBreakpoints(url: OpenAIEndpoint, body: Json): Json {
  if (countBreakpoints(url, body) === 0) return body;
  const field = url === "/v1/chat/completions" ? "messages" : "input";
  const list = body[field] as unknown[];
  return {
    ...body,
    [field]: list.map((item) => {
      if (!isObject(item) || !Array.isArray(item.content)) return item;
      return {
        ...item,
        content: item.content.map((part: unknown) => {
          if (!isObject(part) || !("prompt_cache_breakpoint" in part)) return part;
          const { prompt_cache_breakpoint: _bp, ...rest } = part;
          return rest;
        }),
      };
    }),
  };
}
