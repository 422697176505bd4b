import type { BatchRequest, RejectReason } from "../types.js";

/** `custom_id` rule of the Batches API (reference fact 12, BP-en §Prepare and create your batch). */
export const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** At most 4 blocks may carry `cache_control`; a 5th is a 400 (reference fact 2, PC-zh; ISS-4BP). */
export const MAX_BREAKPOINTS = 4;

/** The outcome of checking one input item. */
export type Validation =
  | { ok: true; request: BatchRequest; markers: number }
  | { ok: false; kind: RejectReason; reason: string; custom_id?: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

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
  const count = (blocks: unknown) => {
    if (!Array.isArray(blocks)) return;
    for (const block of blocks) if (isObject(block) && block.cache_control != null) n += 1;
  };
  count(params.tools);
  count(params.system);
  if (Array.isArray(params.messages)) {
    for (const message of params.messages) if (isObject(message)) count(message.content);
  }
  return n;
}

/**
 * Checks that an item is a request the Batches API would accept as far as the planner can tell
 * without calling it. The API validates `params` only after the batch ends (reference fact 13), so
 * everything caught here is a failure avoided.
 */
export function validateRequest(value: unknown): Validation {
  if (!isObject(value)) {
    return fail(
      "not-an-object",
      `Expected a request object \`{"custom_id": "...", "params": {...}}\`, got ${describe(value)}.`,
    );
  }
  const id = value.custom_id;
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
  const params = value.params;
  if (!isObject(params)) {
    return fail(
      "missing-field",
      "`params` is missing or not an object: it holds the Messages API request (`model`, `max_tokens`, `messages`, ...).",
      id,
    );
  }
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
  if (params.max_tokens === 0) {
    // BP-en: "Each batched request must have `max_tokens` of at least `1`" (reference §4).
    return fail(
      "max-tokens-zero",
      "`params.max_tokens` is 0: cache pre-warming is rejected inside batches; set it to at least 1.",
      id,
    );
  }
  if (params.stream === true) {
    // BP-en §What can be batched: `stream: true` is a validation error in a batch.
    return fail(
      "stream-not-allowed",
      "`params.stream` is true: batch requests cannot stream; remove `stream`.",
      id,
    );
  }
  if (params.speed !== undefined && params.speed !== null) {
    // BP-en: fast mode (`speed`) is not available with the Batch API.
    return fail(
      "speed-not-allowed",
      "`params.speed` is set: fast mode is not available in batches; remove `speed`.",
      id,
    );
  }
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
  const markers = countMarkers(params);
  if (markers > MAX_BREAKPOINTS) {
    return fail(
      "too-many-markers",
      `The request already has ${markers} \`cache_control\` markers (a top-level one counts too); the API allows ${MAX_BREAKPOINTS} and answers 400 otherwise. Remove some, or plan with \`userMarkers: "replace"\` (\`--user-markers replace\`).`,
      id,
    );
  }
  return { ok: true, request: value as unknown as BatchRequest, markers };
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${typeof value === "object" ? "" : String(value)}`.trim();
}
