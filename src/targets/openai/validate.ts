/**
 * Checks one OpenAI batch line before planning (the same discipline as the Anthropic validator:
 * every line planned or rejected with its reason and the fix). Bad bytes and nesting are caught
 * by `readJsonl()`; a value passed directly is checked for depth here. Reference:
 * other-batch-systems.md §4.1, §4.6.
 */
import { depthBeyond, MAX_JSON_DEPTH, tooDeepReason } from "../../request/json-depth.js";
import type { RejectReason } from "../../types.js";
import { isObject } from "../../util/json.js";
import { cacheModeOf, MAX_BREAKPOINTS } from "./caching.js";
import { isPlannedEndpoint, type OpenAIRequest } from "./format.js";
import { CUSTOM_ID_PATTERN, ENDPOINTS, MAX_OUTPUT_TOKENS } from "./limits.js";
import { countBreakpoints } from "./segments.js";

/** The outcome of checking one line. */
export type OpenAICheck =
  | { ok: true; request: OpenAIRequest; breakpoints: number }
  | { ok: false; custom_id?: string; kind: RejectReason; reason: string };

const LINE_FIELDS = new Set(["custom_id", "method", "url", "body"]);

/** Chat roles (OA-SDK `ChatCompletionMessageParam`). */
const CHAT_ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

const fail = (kind: RejectReason, reason: string, custom_id?: string): OpenAICheck => ({
  ok: false,
  kind,
  reason,
  ...(custom_id === undefined ? {} : { custom_id }),
});

/** Checks a line; the request is returned as given (never copied or changed). */
export function validateOpenAILine(value: unknown): OpenAICheck {
  if (!isObject(value)) {
    return fail(
      "not-an-object",
      'Each line must be an object `{"custom_id", "method": "POST", "url", "body"}`.',
    );
  }
  if (depthBeyond(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    return fail("too-deep", tooDeepReason(MAX_JSON_DEPTH));
  const id = value.custom_id;
  if (typeof id !== "string" || !CUSTOM_ID_PATTERN.test(id)) {
    return fail(
      id === undefined ? "missing-field" : "invalid-custom-id",
      id === undefined
        ? "`custom_id` is missing; results are matched to requests by it. Give each line a unique one."
        : "`custom_id` must be a string of 1 to 512 characters without control characters.",
      typeof id === "string" ? id : undefined,
    );
  }
  for (const key of Object.keys(value)) {
    if (!LINE_FIELDS.has(key))
      return fail(
        "invalid-field",
        `Unknown field \`${key}\` on the line; a batch line has only \`custom_id\`, \`method\`, \`url\` and \`body\`. Move it into \`body\` or remove it.`,
        id,
      );
  }
  if (value.method !== "POST")
    return fail("invalid-field", '`method` must be "POST" (the only method of the Batch API).', id);
  if (!isPlannedEndpoint(value.url)) {
    return fail(
      value.url === undefined ? "missing-field" : "invalid-field",
      `\`url\` must be one of ${ENDPOINTS.map((e) => `"${e}"`).join(", ")}; got ${JSON.stringify(value.url)}. Other endpoints (embeddings, moderations, images) carry no prompt to cache: send them as they are.`,
      id,
    );
  }
  if (!isObject(value.body))
    return fail(
      "missing-field",
      "`body` must be an object: the endpoint's request parameters.",
      id,
    );
  const problem = checkBody(value.url, value.body);
  if (problem) return fail(problem.kind, problem.reason, id);
  const breakpoints = countBreakpoints(value.url, value.body);
  const model = value.body.model as string;
  if (breakpoints > MAX_BREAKPOINTS)
    return fail(
      "too-many-markers",
      `The body has ${breakpoints} \`prompt_cache_breakpoint\`s; "each request can write up to four breakpoints". Remove some.`,
      id,
    );
  if (breakpoints > 0 && cacheModeOf(model) !== "explicit")
    return fail(
      "invalid-marker",
      `\`prompt_cache_breakpoint\` is supported for GPT-5.6 and later; ${JSON.stringify(model)} caches automatically or not at all. Remove the breakpoints.`,
      id,
    );
  return {
    ok: true,
    request: { custom_id: id, url: value.url, body: value.body },
    breakpoints,
  };
}

function checkBody(
  url: string,
  body: Record<string, unknown>,
): { kind: RejectReason; reason: string } | undefined {
  if (typeof body.model !== "string" || body.model === "")
    return {
      kind: "missing-field",
      reason: "`body.model` is missing; each request names its model.",
    };
  if (body.stream === true)
    return {
      kind: "stream-not-allowed",
      reason: "`body.stream` is true: batch requests cannot stream; remove `stream`.",
    };
  for (const field of ["max_tokens", "max_completion_tokens", "max_output_tokens"]) {
    const n = body[field];
    if (n === undefined || n === null) continue;
    if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > MAX_OUTPUT_TOKENS)
      return {
        kind: "invalid-field",
        reason: `\`body.${field}\` must be a whole number from 1 to ${MAX_OUTPUT_TOKENS.toLocaleString("en-US")}; got ${JSON.stringify(n)}.`,
      };
  }
  return url === "/v1/chat/completions" ? checkChat(body) : checkResponses(body);
}

function checkChat(
  body: Record<string, unknown>,
): { kind: RejectReason; reason: string } | undefined {
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0)
    return {
      kind: "missing-field",
      reason: "`body.messages` must be a non-empty list for `/v1/chat/completions`.",
    };
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isObject(m) || typeof m.role !== "string" || !CHAT_ROLES.has(m.role))
      return {
        kind: "invalid-field",
        reason: `\`body.messages[${i}]\` must be an object whose \`role\` is one of ${[...CHAT_ROLES].join(", ")}.`,
      };
    const c = m.content;
    if (!(typeof c === "string" || c === null || c === undefined || Array.isArray(c)))
      return {
        kind: "invalid-field",
        reason: `\`body.messages[${i}].content\` must be a string or a list of content parts.`,
      };
    if (Array.isArray(c) && c.some((p) => !isObject(p) || typeof p.type !== "string"))
      return {
        kind: "invalid-field",
        reason: `Each part of \`body.messages[${i}].content\` must be an object with a \`type\`.`,
      };
  }
  return undefined;
}

function checkResponses(
  body: Record<string, unknown>,
): { kind: RejectReason; reason: string } | undefined {
  const { input, instructions } = body;
  if (instructions !== undefined && instructions !== null && typeof instructions !== "string")
    return { kind: "invalid-field", reason: "`body.instructions` must be a string." };
  if (input === undefined && body.prompt === undefined)
    return {
      kind: "missing-field",
      reason: "`body.input` is missing; `/v1/responses` needs `input` (or a stored `prompt`).",
    };
  if (input !== undefined && typeof input !== "string" && !Array.isArray(input))
    return {
      kind: "invalid-field",
      reason: "`body.input` must be a string or a list of input items.",
    };
  if (Array.isArray(input) && input.some((item) => !isObject(item)))
    return { kind: "invalid-field", reason: "Each item of `body.input` must be an object." };
  return undefined;
}
