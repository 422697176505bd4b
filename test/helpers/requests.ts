/**
 * Builders and inspectors of batch requests for tests. They read the request shape directly
 * (tools → system → messages, reference fact 1), independently of `src/request/segments.ts`.
 */
import { createHash } from "node:crypto";
import type { BatchRequest, CacheTtl } from "../../src/index.js";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface RequestSpec {
  model?: string;
  max_tokens?: number;
  tools?: Json[];
  system?: string | Json[];
  messages?: Json[];
  /** A plain user message, when `messages` is not given. */
  user?: string | Json[];
  extra?: Json;
}

/** A batch request with the given parts; defaults: claude-sonnet-4-5, max_tokens 100. */
export function request(customId: string, spec: RequestSpec = {}): BatchRequest {
  const params: Json = {
    model: spec.model ?? "claude-sonnet-4-5",
    max_tokens: spec.max_tokens ?? 100,
  };
  if (spec.tools !== undefined) params.tools = spec.tools;
  if (spec.system !== undefined) params.system = spec.system;
  params.messages = spec.messages ?? [{ role: "user", content: spec.user ?? `hello ${customId}` }];
  Object.assign(params, spec.extra ?? {});
  return { custom_id: customId, params } as unknown as BatchRequest;
}

/** A text block, optionally marked. */
export function text(value: string, ttl?: CacheTtl): Json {
  return ttl === undefined
    ? { type: "text", text: value }
    : { type: "text", text: value, cache_control: cacheControlOf(ttl) };
}

/** A tool definition whose description has the given text. */
export function tool(name: string, description: string): Json {
  return {
    name,
    description,
    input_schema: { type: "object", properties: { q: { type: "string" } } },
  };
}

/** The wire form of a marker, written out here rather than taken from `src/`. */
export function cacheControlOf(ttl: CacheTtl): Json {
  return ttl === "1h" ? { type: "ephemeral", ttl: "1h" } : { type: "ephemeral" };
}

/** One block of a request in prefix order. */
export interface BlockAt {
  /** `tools[i]`, `system` (string shorthand), `system[i]`, `messages[m].content` (shorthand) or `messages[m].content[i]`. */
  label: string;
  level: "tools" | "system" | "messages";
  /** The block as sent (a shorthand string is shown as a text block). */
  block: Json;
  /** The role of the message the block is in. */
  role?: string;
}

/** Every block of a request in prefix order tools → system → messages. */
export function blocksOf(req: BatchRequest): BlockAt[] {
  const params = req.params as unknown as Json;
  const out: BlockAt[] = [];
  if (Array.isArray(params.tools)) {
    params.tools.forEach((t, i) => {
      if (isObject(t)) out.push({ label: `tools[${i}]`, level: "tools", block: t });
    });
  }
  if (typeof params.system === "string") {
    out.push({ label: "system", level: "system", block: { type: "text", text: params.system } });
  } else if (Array.isArray(params.system)) {
    params.system.forEach((b, i) => {
      if (isObject(b)) out.push({ label: `system[${i}]`, level: "system", block: b });
    });
  }
  if (Array.isArray(params.messages)) {
    params.messages.forEach((m, mi) => {
      if (!isObject(m)) return;
      const role = String(m.role);
      if (typeof m.content === "string") {
        out.push({
          label: `messages[${mi}].content`,
          level: "messages",
          block: { type: "text", text: m.content },
          role,
        });
      } else if (Array.isArray(m.content)) {
        m.content.forEach((b, i) => {
          if (isObject(b))
            out.push({ label: `messages[${mi}].content[${i}]`, level: "messages", block: b, role });
        });
      }
    });
  }
  return out;
}

/** The TTL a `cache_control` value asks for, or null when there is none. */
export function ttlOfMarker(marker: unknown): CacheTtl | null {
  if (marker === undefined || marker === null) return null;
  return isObject(marker) && marker.ttl === "1h" ? "1h" : "5m";
}

/**
 * The TTL of the marker that applies to the block at `index` (0-based, in `blocksOf` order): its
 * own, or a top-level marker's when it is the last block (the top-level marker lands on the last
 * cacheable block, reference §1.4; callers make sure that is the last block).
 */
export function effectiveTtl(req: BatchRequest, index: number): CacheTtl | null {
  const blocks = blocksOf(req);
  const own = ttlOfMarker(blocks[index]?.block.cache_control);
  if (own !== null || index !== blocks.length - 1) return own;
  return ttlOfMarker((req.params as unknown as Json).cache_control);
}

/** Markers on blocks, in prefix order, then the top-level one (which marks the last block). */
export function markersOf(req: BatchRequest): Array<{ label: string; ttl: CacheTtl }> {
  const out: Array<{ label: string; ttl: CacheTtl }> = [];
  for (const b of blocksOf(req)) {
    const ttl = ttlOfMarker(b.block.cache_control);
    if (ttl !== null) out.push({ label: b.label, ttl });
  }
  const top = ttlOfMarker((req.params as unknown as Json).cache_control);
  if (top !== null) out.push({ label: "(top-level)", ttl: top });
  return out;
}

/** Number of `cache_control` markers, the top-level one included (reference fact 2). */
export function markerCount(req: BatchRequest): number {
  return markersOf(req).length;
}

/** Whether some 1h marker comes after a 5m marker in prefix order (reference fact 6). */
export function has1hAfter5m(req: BatchRequest): boolean {
  let seen5m = false;
  for (const { ttl } of markersOf(req)) {
    if (ttl === "5m") seen5m = true;
    else if (seen5m) return true;
  }
  return false;
}

function withoutMarker(block: unknown): unknown {
  if (!isObject(block)) return block;
  const { cache_control: _removed, ...rest } = block;
  return rest;
}

/**
 * The request with every `cache_control` removed (block-level and top-level) and a string `system`
 * or message `content` written as the equivalent one-text-block array.
 */
export function normalised(req: unknown): unknown {
  if (!isObject(req) || !isObject(req.params)) return req;
  const { cache_control: _top, ...params } = req.params;
  if (typeof params.system === "string") params.system = [{ type: "text", text: params.system }];
  else if (Array.isArray(params.system)) params.system = params.system.map(withoutMarker);
  if (Array.isArray(params.tools)) params.tools = params.tools.map(withoutMarker);
  if (Array.isArray(params.messages)) {
    params.messages = params.messages.map((m) => {
      if (!isObject(m)) return m;
      if (typeof m.content === "string")
        return { ...m, content: [{ type: "text", text: m.content }] };
      if (Array.isArray(m.content)) return { ...m, content: m.content.map(withoutMarker) };
      return m;
    });
  }
  return { ...req, params };
}

/**
 * Identities of a request's prefixes: entry `d - 1` stands for the prefix up to and including its
 * `d`-th block. A prefix is the model and the blocks without `cache_control`, each message block
 * with its role. Equal entries mean the API would see the same cache prefix (for the request
 * fields these tests vary; `tool_choice`, `thinking` and the like are not considered).
 */
export function prefixKeys(req: BatchRequest): string[] {
  let key = JSON.stringify((req.params as unknown as Json).model);
  return blocksOf(req).map((b) => {
    const part = JSON.stringify([b.level, b.role ?? null, sortKeys(withoutMarker(b.block))]);
    key = createHash("sha256").update(key).update("\u0000").update(part).digest("base64url");
    return key;
  });
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys(value[k])]),
  );
}

/** Recursively freezes a value, so that a mutation throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
