/**
 * What the emulator rejects in Messages `params` (internal), for `POST /v1/messages`,
 * `count_tokens` and batch items alike, so a rehearsal fails where production would (issue 12
 * item 4). The request checks are the planner's own (`validateRequest`), so the planner and the
 * emulator agree; only what the planner has no reason to check is added here: unknown top-level
 * fields, sampling parameters, and whether the model exists.
 */
import type { ModelTable } from "../pricing/models.js";
import { validateRequest } from "../request/validate.js";
import { withoutBatchOnlyFields } from "../targets/anthropic/batch-rules.js";
import { isObject, type Json } from "../util/json.js";

/** Why the API would refuse the params: a 400 `invalid_request_error` or a 404 `not_found_error`. */
export interface Rejection {
  status: 400 | 404;
  type: "invalid_request_error" | "not_found_error";
  message: string;
}

/**
 * Body fields of `POST /v1/messages`: `MessageCreateParamsBase` of SDK 1.12.0 (SDK-M 5639 ff.),
 * its beta additions (SDK-BM `MessageCreateParamsBase`: `context_management`, `mcp_servers`,
 * `output_format`, …; the beta endpoint is the same path), and the sampling parameters
 * `temperature`, `top_k`, `top_p`, which the API takes and the Vercel AI SDK and LangChain send
 * although SDK 1.12.0 no longer types them. `betas`, `user_profile_id` and `workspace_id` are
 * headers, not body fields.
 */
const MESSAGE_FIELDS = new Set([
  "model",
  "max_tokens",
  "messages",
  "billing_policy",
  "cache_control",
  "compaction",
  "container",
  "context_management",
  "diagnostics",
  "fallback_credit_token",
  "fallbacks",
  "inference_geo",
  "mcp_servers",
  "metadata",
  "output_config",
  "output_format",
  "service_tier",
  "speed",
  "stop_sequences",
  "stream",
  "system",
  "temperature",
  "thinking",
  "thread",
  "tool_choice",
  "tools",
  "top_k",
  "top_p",
]);

/** Body fields of `POST /v1/messages/count_tokens` (reference §6; SDK-M 5957-6176, plus betas). */
const COUNT_TOKENS_FIELDS = new Set([
  "model",
  "messages",
  "cache_control",
  "context_management",
  "mcp_servers",
  "output_config",
  "output_format",
  "speed",
  "system",
  "thinking",
  "tool_choice",
  "tools",
]);

const invalid = (message: string): Rejection => ({
  status: 400,
  type: "invalid_request_error",
  message,
});

/** The API's wording for a field it does not know (its validation is pydantic's). */
function unknownField(params: Json, known: ReadonlySet<string>): Rejection | null {
  for (const field of Object.keys(params)) {
    if (!known.has(field)) return invalid(`${field}: Extra inputs are not permitted`);
  }
  return null;
}

/** `temperature` and `top_p` in [0, 1], `top_k` an integer ≥ 0, `stop_sequences` strings. */
function samplingError(params: Json): Rejection | null {
  for (const field of ["temperature", "top_p"] as const) {
    const value = params[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      return invalid(`${field}: Input should be a valid number`);
    }
    if (value < 0) return invalid(`${field}: Input should be greater than or equal to 0`);
    if (value > 1) return invalid(`${field}: Input should be less than or equal to 1`);
  }
  const topK = params.top_k;
  if (topK !== undefined && topK !== null) {
    if (typeof topK !== "number" || !Number.isInteger(topK)) {
      return invalid("top_k: Input should be a valid integer");
    }
    if (topK < 0) return invalid("top_k: Input should be greater than or equal to 0");
  }
  const stops = params.stop_sequences;
  if (stops !== undefined && (!Array.isArray(stops) || stops.some((s) => typeof s !== "string"))) {
    return invalid("stop_sequences: Input should be a valid list of strings");
  }
  return null;
}

/**
 * An unknown or retired model is a 404 `not_found_error` whose message is `model: <id>`. Known:
 * the ids of the SDK's `Model` union and any the emulator's `sim.models` adds.
 */
function modelError(params: Json, models: ModelTable): Rejection | null {
  const model = params.model;
  if (typeof model !== "string" || models.get(model) !== undefined) return null;
  return { status: 404, type: "not_found_error", message: `model: ${model}` };
}

/**
 * The planner's checks of one request. For `POST /v1/messages`, what only batches refuse
 * (`max_tokens: 0`, `stream`, `speed`; reference fact 13) is set aside first. Marker counts and
 * TTL conflicts are left to the cache model, which answers with the API's own wording.
 */
function plannerError(params: Json, endpoint: "messages" | "batch"): Rejection | null {
  const checked = endpoint === "batch" ? params : withoutBatchOnlyFields(params);
  const verdict = validateRequest(
    { custom_id: "request", params: checked },
    { userMarkers: "replace" },
  );
  if (verdict.ok) return null;
  const reason = endpoint === "batch" ? verdict.reason : verdict.reason.replace(/`params\./g, "`");
  return invalid(reason);
}

/**
 * The 400 or 404 the API gives these Messages params, or `null`. Synchronous on
 * `POST /v1/messages`; an `errored` result in a batch (validation there is asynchronous, fact 13).
 */
export function paramsRejection(
  params: Json,
  models: ModelTable,
  endpoint: "messages" | "batch",
): Rejection | null {
  return (
    unknownField(params, MESSAGE_FIELDS) ??
    plannerError(params, endpoint) ??
    samplingError(params) ??
    modelError(params, models)
  );
}

/** The 400 or 404 of a `count_tokens` body (reference §6): its fields, `messages`, the model. */
export function countTokensRejection(params: unknown, models: ModelTable): Rejection | null {
  if (!isObject(params)) return invalid("The request body must be a JSON object.");
  if (typeof params.model !== "string" || params.model === "") {
    return invalid("model: Field required (a non-empty string)");
  }
  if (!Array.isArray(params.messages)) {
    return invalid("messages: Field required (a list of messages)");
  }
  return unknownField(params, COUNT_TOKENS_FIELDS) ?? modelError(params, models);
}
