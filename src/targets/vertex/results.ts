/**
 * How a Vertex output line maps back to its request: `{custom_id, request, response, status}`
 * (§3.4). `status` is empty on success and carries the error otherwise; `response` is the
 * Messages response, or `{body}` around it (RLLM-VB reads `response.body || response`). Lines are
 * matched by `custom_id`; their order is [U].
 */
import { isObject } from "../../util/json.js";
import type { TargetResult } from "../target.js";

/** The Messages response of an output line, whichever of the two shapes it has. */
export function responseOf(line: Record<string, unknown>): Record<string, unknown> | undefined {
  const response = line.response;
  if (!isObject(response)) return undefined;
  return isObject(response.body) ? response.body : response;
}

/** The error type a failed line names: `status` as a string or `{code, message}`, or its `response.error`. */
function errorTypeOf(line: Record<string, unknown>): string {
  const status = line.status;
  const response = responseOf(line);
  if (isObject(response) && response.type === "error" && isObject(response.error)) {
    return typeof response.error.type === "string" ? response.error.type : "unknown_error";
  }
  if (isObject(status) && typeof status.code === "string") return status.code;
  if (isObject(status) && typeof status.code === "number") return `status_${status.code}`;
  return "unknown_error";
}

/** A Vertex output line normalised (the raw line kept), or `undefined` when it is not one. */
export function readResult(line: unknown): TargetResult | undefined {
  if (!isObject(line) || typeof line.custom_id !== "string") return undefined;
  const id = line.custom_id;
  const status = line.status;
  const failed =
    (typeof status === "string" && status !== "") ||
    (isObject(status) && Object.keys(status).length > 0);
  const response = responseOf(line);
  if (!failed && isObject(response) && response.type !== "error") {
    return { id, status: "succeeded", usage: response.usage, raw: line };
  }
  if (failed || isObject(response)) {
    return { id, status: "failed", errorType: errorTypeOf(line), raw: line };
  }
  return undefined;
}
