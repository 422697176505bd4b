import { batchOnlyViolation } from "../targets/anthropic/batch-rules.js";
import { MAX_BREAKPOINTS } from "../targets/anthropic/caching.js";
import { CUSTOM_ID_PATTERN, MESSAGE_ROLES } from "../targets/anthropic/format.js";
import { MAX_OUTPUT_TOKENS } from "../targets/anthropic/limits.js";
import type { BatchRequest, RejectReason } from "../types.js";
import { isObject } from "../util/json.js";
import { collectMarkers, ttlOrderProblem } from "./_marker-rules.js";
import { samplingProblem, unknownFieldProblem } from "./_params-rules.js";
import { depthBeyond, MAX_JSON_DEPTH, tooDeepReason } from "./json-depth.js";
import { markerTtl, walkSegments } from "./segments.js";

/** The outcome of checking one input item. */
export type Validation =
  | { ok: true; request: BatchRequest; markers: number }
  | { ok: false; kind: RejectReason; reason: string; custom_id?: string };

function fail(kind: RejectReason, reason: string, custom_id?: string): Validation {
  return custom_id === undefined
    ? { ok: false, kind, reason }
    : { ok: false, kind, reason, custom_id };
}

/**
 * Counts the blocks that carry `cache_control` (tools, system blocks, message content blocks)
 * plus one for a top-level `cache_control`, which uses one of the 4 slots (reference fact 2).
 */
export function countMarkers(params: Record<string, unknown>): number {
  let n = params.cache_control != null ? 1 : 0;
  walkSegments(params, ({ raw }) => {
    if (raw.cache_control != null) n += 1;
  });
  return n;
}

/** Options of `validateRequest`. */
export interface ValidateOptions {
  /**
   * What will happen to markers already in the request: with `"replace"` they are all removed
   * before planning, so their number is not checked.
   * @default "keep"
   */
  userMarkers?: "keep" | "replace";
}

/**
 * Checks that an item is a request the Batches API would accept as far as the planner can tell
 * without calling it. The API validates `params` only after the batch ends (reference fact 13), so
 * everything caught here is a failure avoided. The nesting is checked first, without recursion:
 * an accepted request is never deeper than `MAX_JSON_DEPTH`, so later recursive walks are safe.
 */
export function validateRequest(value: unknown, options: ValidateOptions = {}): Validation {
  if (depthBeyond(value, MAX_JSON_DEPTH) > 0) {
    const id = isObject(value) ? value.custom_id : undefined;
    const known = typeof id === "string" && CUSTOM_ID_PATTERN.test(id) ? id : undefined;
    return fail("too-deep", tooDeepReason(MAX_JSON_DEPTH), known);
  }
  if (!isObject(value)) {
    return fail(
      "not-an-object",
      `Expected a request object \`{"custom_id": "...", "params": {...}}\`, got ${describe(value)}.`,
    );
  }
  const id = checkCustomId(value.custom_id);
  if (typeof id !== "string") return id;
  const params = value.params;
  if (!isObject(params)) {
    return fail(
      "missing-field",
      "`params` is missing or not an object: it holds the Messages API request (`model`, `max_tokens`, `messages`, ...).",
      id,
    );
  }
  const problem =
    checkFields(params, id) ??
    checkMessages(params, id) ??
    checkSystemAndTools(params, id) ??
    checkKnownParams(params, id);
  if (problem) return problem;
  // With "replace" every marker of the input is removed before planning (message-level ones
  // too, see `applyMarkers`), so none of them is checked.
  const keep = options.userMarkers !== "replace";
  const collected = keep ? collectMarkers(params) : undefined;
  if (collected && "problem" in collected) return fail("invalid-marker", collected.problem, id);
  const markers = countMarkers(params);
  if (markers > MAX_BREAKPOINTS && keep) {
    return fail(
      "too-many-markers",
      `The request already has ${markers} \`cache_control\` markers (a top-level one counts too); the API allows ${MAX_BREAKPOINTS} and answers 400 otherwise. Remove some, or plan with \`userMarkers: "replace"\` (\`--user-markers replace\`).`,
      id,
    );
  }
  if (collected) {
    const conflict = topLevelConflict(params) ?? ttlOrderProblem(collected.found);
    if (conflict) return fail("conflicting-markers", conflict, id);
  }
  return { ok: true, request: value as unknown as BatchRequest, markers };
}

/** The `custom_id`, or why it is missing or invalid. */
function checkCustomId(id: unknown): string | Validation {
  if (id === undefined) {
    return fail(
      "invalid-custom-id",
      "`custom_id` is missing: every batch request needs one, 1 to 64 characters of letters, digits, `-` and `_`, to match its result.",
    );
  }
  if (typeof id !== "string" || !CUSTOM_ID_PATTERN.test(id)) {
    const shown =
      typeof id === "string"
        ? JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id)
        : describe(id);
    return fail(
      "invalid-custom-id",
      `\`custom_id\` ${shown} is invalid: it must be 1 to 64 characters of letters, digits, \`-\` and \`_\` (^[a-zA-Z0-9_-]{1,64}$).`,
    );
  }
  return id;
}

/** `model`, `max_tokens` and `messages` present; `model` and `max_tokens` valid; no batch-only field. */
function checkFields(params: Record<string, unknown>, id: string): Validation | undefined {
  for (const field of ["model", "max_tokens", "messages"] as const) {
    if (params[field] === undefined) {
      return fail(
        "missing-field",
        `\`params.${field}\` is missing; every batch request needs \`model\`, \`max_tokens\` and \`messages\`.`,
        id,
      );
    }
  }
  if (typeof params.model !== "string" || params.model === "") {
    return fail(
      "invalid-field",
      '`params.model` must be a non-empty string such as "claude-sonnet-4-5".',
      id,
    );
  }
  if (
    typeof params.max_tokens !== "number" ||
    !Number.isInteger(params.max_tokens) ||
    params.max_tokens < 0
  ) {
    return fail(
      "invalid-field",
      `\`params.max_tokens\` must be a positive integer, got ${describe(params.max_tokens)}.`,
      id,
    );
  }
  if (params.max_tokens > MAX_OUTPUT_TOKENS) {
    return fail(
      "invalid-field",
      `\`params.max_tokens\` is ${params.max_tokens.toLocaleString("en-US")}; no model accepts more than ${MAX_OUTPUT_TOKENS.toLocaleString("en-US")} output tokens in a batch (with the extended-output beta; most models allow far fewer), and the API answers 400. Set it to the model's maximum output or less.`,
      id,
    );
  }
  // `max_tokens: 0`, `stream`, `speed`: refused inside a batch (reference §5.2, fact 13).
  const batchOnly = batchOnlyViolation(params);
  return batchOnly ? fail(batchOnly.kind, batchOnly.reason, id) : undefined;
}

/** `messages`: a non-empty array of messages with a known role and string or block content. */
function checkMessages(params: Record<string, unknown>, id: string): Validation | undefined {
  if (!Array.isArray(params.messages) || params.messages.length === 0) {
    return fail("invalid-field", "`params.messages` must be a non-empty array of messages.", id);
  }
  for (const [i, message] of params.messages.entries()) {
    if (!isObject(message) || typeof message.role !== "string") {
      return fail(
        "invalid-field",
        `\`params.messages[${i}]\` must be an object with a \`role\` and \`content\`.`,
        id,
      );
    }
    if (!MESSAGE_ROLES.has(message.role)) {
      return fail(
        "invalid-field",
        `\`params.messages[${i}].role\` is ${describe(message.role)}; it must be "user" or "assistant" (or "system" for a mid-conversation system message), and the API answers 400 to any other.`,
        id,
      );
    }
    if (typeof message.content !== "string" && !Array.isArray(message.content)) {
      return fail(
        "invalid-field",
        `\`params.messages[${i}].content\` must be a string or an array of content blocks.`,
        id,
      );
    }
    if (Array.isArray(message.content)) {
      for (const [j, block] of message.content.entries()) {
        if (!isObject(block) || typeof block.type !== "string") {
          return fail(
            "invalid-field",
            `\`params.messages[${i}].content[${j}]\` must be a content block object with a \`type\`.`,
            id,
          );
        }
      }
    }
  }
  return undefined;
}

/** `system`: a string or an array; `tools`: an array. */
function checkSystemAndTools(params: Record<string, unknown>, id: string): Validation | undefined {
  if (
    params.system !== undefined &&
    typeof params.system !== "string" &&
    !Array.isArray(params.system)
  ) {
    return fail(
      "invalid-field",
      "`params.system` must be a string or an array of text blocks.",
      id,
    );
  }
  if (params.tools !== undefined && !Array.isArray(params.tools)) {
    return fail("invalid-field", "`params.tools` must be an array of tool definitions.", id);
  }
  return undefined;
}

/** No unknown top-level field; sampling parameters in range (reference §5.1, SDK-M 5639 ff.). */
function checkKnownParams(params: Record<string, unknown>, id: string): Validation | undefined {
  const problem = unknownFieldProblem(params) ?? samplingProblem(params);
  return problem === undefined ? undefined : fail("invalid-field", problem, id);
}

/**
 * A top-level `cache_control` plus an explicit one with a different TTL on the last block is a 400
 * (reference §1.4, PC-zh §边缘情况); with the same TTL the top-level one does nothing.
 */
function topLevelConflict(params: Record<string, unknown>): string | undefined {
  if (params.cache_control == null || !Array.isArray(params.messages)) return undefined;
  const last = params.messages[params.messages.length - 1];
  if (!isObject(last) || !Array.isArray(last.content)) return undefined;
  const block = last.content[last.content.length - 1];
  if (!isObject(block) || block.cache_control == null) return undefined;
  const top = markerTtl(params.cache_control);
  const explicit = markerTtl(block.cache_control);
  if (top === explicit) return undefined;
  const path = `params.messages[${params.messages.length - 1}].content[${last.content.length - 1}].cache_control`;
  return `The top-level \`params.cache_control\` (ttl ${top}) and the one on the last block, \`${path}\` (ttl ${explicit}), differ; the API answers 400. Give them the same \`ttl\`, drop one, or plan with \`--user-markers replace\`.`;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${typeof value === "object" ? "" : String(value)}`.trim();
}
