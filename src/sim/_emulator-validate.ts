/**
 * What the emulator rejects in Messages `params` (internal), for `POST /v1/messages`,
 * `count_tokens` and batch items alike, so a rehearsal fails where production would (issue 12
 * item 4). The request checks are the planner's own (`validateRequest`: fields, unknown top-level
 * fields, sampling parameters, messages), so the planner and the emulator agree; only whether the
 * model exists is added here (a planner warning, not a rejection), and the `count_tokens` fields.
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

/** The API's wording for a `count_tokens` field it does not know (its validation is pydantic's). */
function unknownField(params: Json, known: ReadonlySet<string>): Rejection | null {
  for (const field of Object.keys(params)) {
    if (!known.has(field)) return invalid(`${field}: Extra inputs are not permitted`);
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
 * The planner's checks of one request (unknown fields and sampling parameters included). For `POST /v1/messages`, what only batches refuse
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
  return plannerError(params, endpoint) ?? modelError(params, models);
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
