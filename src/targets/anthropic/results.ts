/**
 * How a Message Batches result line maps back to its request: each JSONL line is
 * `{custom_id, result}` with `result.type` one of `succeeded` (with `message`, billed), `errored`
 * (with `error`), `canceled`, `expired` (reference §5.4, SDK-B 226-298). Lines come in any order,
 * so they are matched by `custom_id` (reference §5.3).
 */

import { isObject } from "../../util/json.js";
import type { TargetResult } from "../target.js";

/** A result line normalised (the raw line kept), or `undefined` when it is not one. */
export function readResult(line: unknown): TargetResult | undefined {
  if (!isObject(line) || typeof line.custom_id !== "string" || !isObject(line.result)) {
    return undefined;
  }
  const id = line.custom_id;
  const result = line.result;
  switch (result.type) {
    case "succeeded":
      return isObject(result.message)
        ? { id, status: "succeeded", usage: result.message.usage, raw: line }
        : undefined;
    case "errored": {
      const inner = isObject(result.error) ? result.error.error : undefined;
      const type = isObject(inner) && typeof inner.type === "string" ? inner.type : "unknown_error";
      return { id, status: "failed", errorType: type, raw: line };
    }
    case "canceled":
      return { id, status: "cancelled", raw: line };
    case "expired":
      return { id, status: "expired", raw: line };
    default:
      return undefined;
  }
}
