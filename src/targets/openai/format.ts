/**
 * The shape of an OpenAI Batch API input line and its read-back. Reference:
 * other-batch-systems.md §4.1 (OA-B): `{"custom_id", "method": "POST", "url", "body"}`, one
 * request a line, `body` taking the endpoint's own parameters.
 */
import { isObject } from "../../util/json.js";
import { ENDPOINTS, type OpenAIEndpoint } from "./limits.js";

/** A request as the OpenAI planner holds it. */
export interface OpenAIRequest {
  custom_id: string;
  url: OpenAIEndpoint;
  body: Record<string, unknown>;
}

/** One input line as the Batch API takes it (reference §4.1). */
export interface OpenAIBatchLine {
  custom_id: string;
  method: "POST";
  url: string;
  body: Record<string, unknown>;
}

/**
 * The endpoint of a validated body: Chat Completions bodies have `messages`, Responses bodies
 * `input` or `prompt` (never `messages`), so a plan can store bodies alone (`{custom_id, params}`)
 * and still write each line's `url`.
 */
export function endpointOf(body: Record<string, unknown>): OpenAIEndpoint {
  return "messages" in body ? "/v1/chat/completions" : "/v1/responses";
}

/** The batch line of a planned request (`{custom_id, params}` or `{custom_id, url, body}`), keys in the documented order. */
export function toBatchLine(request: {
  custom_id: string;
  url?: string;
  params?: Record<string, unknown>;
  body?: Record<string, unknown>;
}): OpenAIBatchLine {
  const body = request.body ?? request.params ?? {};
  return {
    custom_id: request.custom_id,
    method: "POST",
    url: request.url ?? endpointOf(body),
    body,
  };
}

/** The id and body of an input line, or `undefined` when the value is not one. */
export function fromBatchLine(
  line: unknown,
): { id: string; body: Record<string, unknown> } | undefined {
  if (!isObject(line)) return undefined;
  const { custom_id: id, body } = line;
  if (typeof id !== "string" || !isObject(body) || typeof line.url !== "string") return undefined;
  return { id, body };
}

/**
 * Whether a value looks like an OpenAI batch line rather than an Anthropic one: it has `url` and
 * `body` (and no `params`). Used to detect the target from the first line of an input.
 */
export function looksLikeOpenAILine(value: unknown): boolean {
  return isObject(value) && "body" in value && "url" in value && !("params" in value);
}

/** Whether `url` is an endpoint the planner plans. */
export function isPlannedEndpoint(url: unknown): url is OpenAIEndpoint {
  return typeof url === "string" && (ENDPOINTS as readonly string[]).includes(url);
}
