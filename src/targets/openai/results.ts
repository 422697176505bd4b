/**
 * How an OpenAI batch output or error line maps back to its request (reference §4.4, OA-B,
 * OA-spec `BatchRequestOutput`): `{"id", "custom_id", "response": {"status_code", "request_id",
 * "body"}, "error"}`; "the output line order may not match the input line order", so lines are
 * matched by `custom_id`. Expired requests are in the error file with `error.code:
 * "batch_expired"`; cancelled ones with `batch_cancelled`. A succeeded line's `usage` is given
 * flattened (`flatUsage`) for the one usage reader.
 */
import { isObject } from "../../util/json.js";
import type { TargetResult } from "../target.js";
import { flatUsage } from "./usage.js";

/** A result line normalised (the raw line kept), or `undefined` when it is not one. */
export function readResult(line: unknown): TargetResult | undefined {
  if (!isObject(line) || typeof line.custom_id !== "string") return undefined;
  const id = line.custom_id;
  const { response, error } = line;
  if (isObject(error)) {
    const code = typeof error.code === "string" ? error.code : "unknown_error";
    if (code === "batch_expired") return { id, status: "expired", raw: line };
    if (code === "batch_cancelled") return { id, status: "cancelled", raw: line };
    return { id, status: "failed", errorType: code, raw: line };
  }
  if (!isObject(response) || typeof response.status_code !== "number") return undefined;
  const body = response.body;
  if (response.status_code >= 200 && response.status_code < 300 && isObject(body))
    return { id, status: "succeeded", usage: flatUsage(body.usage), raw: line };
  const inner = isObject(body) && isObject(body.error) ? body.error : undefined;
  // The code is the more specific (`model_not_found`, `rate_limit_exceeded`); the type otherwise
  // (`invalid_request_error`, `server_error`); the HTTP status when neither is given.
  const type =
    inner && typeof inner.code === "string"
      ? inner.code
      : inner && typeof inner.type === "string"
        ? inner.type
        : `http_${response.status_code}`;
  return { id, status: "failed", errorType: type, raw: line };
}
