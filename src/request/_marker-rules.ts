/**
 * The API's rules for `cache_control` markers a request already carries: their shape, the blocks
 * that may carry one, and the order of TTLs. Each broken rule is a 400 the planner would
 * otherwise send (or a request the docs call wrong), so it is a rejection with the field's path.
 */

import { ttlOrderBreach } from "../targets/anthropic/caching.js";
import { isObject, type Json } from "../util/json.js";
import { segmentLabel, walkSegments } from "./segments.js";

/**
 * Block types with no `cache_control` field (reference §1.5: SDK 1.12.0 `ThinkingBlockParam`,
 * `RedactedThinkingBlockParam`; "Thinking blocks cannot be marked directly").
 */
const UNMARKABLE_TYPES = new Set(["thinking", "redacted_thinking"]);

const ADVICE =
  'Fix or remove it, or plan with `--user-markers replace` (`userMarkers: "replace"`), which removes every marker in the input.';

/**
 * What is wrong with one `cache_control` value, or undefined. `null` means "no marker" (the SDK
 * types are `CacheControlEphemeral | null`). Shape: reference §1.1, "`ephemeral` is the only cache
 * type" and `CacheControlEphemeral {type: 'ephemeral'; ttl?: '5m' | '1h'}` (SDK-M 2132-2147).
 */
function shapeProblem(marker: unknown, path: string): string | undefined {
  if (marker === null) return undefined;
  if (!isObject(marker)) {
    return `\`${path}\` is ${describe(marker)}; a marker is an object \`{"type": "ephemeral"}\` or \`{"type": "ephemeral", "ttl": "1h"}\`, and the API answers 400 to anything else. ${ADVICE}`;
  }
  if (marker.type !== "ephemeral") {
    return `\`${path}.type\` is ${describe(marker.type)}; "ephemeral" is the only cache type, and the API answers 400 to any other. ${ADVICE}`;
  }
  if (marker.ttl !== undefined && marker.ttl !== "5m" && marker.ttl !== "1h") {
    return `\`${path}.ttl\` is ${describe(marker.ttl)}; the API accepts "5m" (the default) or "1h" and answers 400 to any other. ${ADVICE}`;
  }
  return undefined;
}

/** What is wrong with a marker on this block, or undefined (the marker's shape aside). */
function placementProblem(block: Json, path: string): string | undefined {
  if (typeof block.type === "string" && UNMARKABLE_TYPES.has(block.type)) {
    return `\`${path}.cache_control\` is on a \`${block.type}\` block, which cannot carry one (thinking blocks are cached as part of the prefix of a later marker); the API answers 400. Put the marker on a later block. ${ADVICE}`;
  }
  // "Empty text blocks cannot be cached" (reference §1.5, PC-zh §无法缓存的内容).
  if (block.type === "text" && (typeof block.text !== "string" || block.text === "")) {
    return `\`${path}.cache_control\` is on an empty text block, and empty text blocks cannot be cached; the API answers 400. Put the marker on a block with text. ${ADVICE}`;
  }
  return undefined;
}

/** One marker found in the request, in prefix order. */
export interface Found {
  path: string;
  ttl: "5m" | "1h";
}

/**
 * Checks every marker of `params` (on tools, on system blocks and on message content blocks, in
 * prefix order, then the top-level one) and that no message carries one itself. Returns the first
 * problem's message, or the markers in prefix order.
 */
export function collectMarkers(params: Json): { problem: string } | { found: Found[] } {
  const found: Found[] = [];
  const visit = (holder: Json, path: string, block: boolean): string | undefined => {
    const marker = holder.cache_control;
    if (marker === undefined || marker === null) return undefined;
    const where = `${path}.cache_control`;
    const wrong =
      shapeProblem(marker, where) ?? (block ? placementProblem(holder, path) : undefined);
    if (wrong) return wrong;
    found.push({ path: where, ttl: (marker as Json).ttl === "1h" ? "1h" : "5m" });
    return undefined;
  };
  const messages = Array.isArray(params.messages) ? params.messages : [];
  let checked = 0; // messages checked for a message-level marker, in order with their blocks
  const messagesUpTo = (end: number): string | undefined => {
    for (; checked < end; checked++) {
      const wrong = messageLevelProblem(messages[checked], checked);
      if (wrong) return wrong;
    }
    return undefined;
  };
  let problem: string | undefined;
  walkSegments(params, ({ level, location, raw }) => {
    if (problem !== undefined) return;
    if (location.kind === "message") problem = messagesUpTo(location.message + 1);
    problem ??= visit(raw, `params.${segmentLabel(location)}`, level !== "tools");
  });
  // The top-level (automatic) marker applies to the last cacheable block: it comes last.
  problem ??= messagesUpTo(messages.length) ?? visit(params, "params", false);
  return problem ? { problem } : { found };
}

/**
 * A message has no `cache_control` field: `MessageParam` is not among the SDK 1.12.0 types that
 * have one, and `SystemMessageParam` is listed as having none (reference §1.5); markers go on
 * content blocks. A message-level one is an unknown field, which the API answers with a 400.
 */
function messageLevelProblem(message: unknown, i: number): string | undefined {
  if (!isObject(message) || message.cache_control === undefined) return undefined;
  return `\`params.messages[${i}].cache_control\` is on the message itself; markers go on content blocks (e.g. \`params.messages[${i}].content[0].cache_control\`), and the API answers 400 to a message-level one. Move it to the message's last content block. ${ADVICE}`;
}

/**
 * "Entries with a longer TTL must appear before entries with a shorter TTL", i.e. every 1h marker
 * before any 5m one (reference fact 6 and §3, PC-zh §混合使用不同的 TTL). Whether the API answers
 * 400 or caches silently otherwise is not documented (reference §3 and §9): the docs say
 * "must", so the request is rejected rather than sent.
 */
export function ttlOrderProblem(found: readonly Found[]): string | undefined {
  const breach = ttlOrderBreach(found);
  if (!breach) return undefined;
  const { first5m, late1h } = breach;
  return `\`${late1h.path}\` asks for a 1h TTL after the 5m marker \`${first5m.path}\`; 1h markers must come before 5m ones (a top-level marker counts as the last). Make the earlier one 1h or the later one 5m. ${ADVICE}`;
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") {
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  }
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
