/**
 * How a Bedrock output line maps back to its request: `{recordId, modelInput, modelOutput}` or,
 * for a failed record, `{recordId, modelInput, error: {errorCode, errorMessage}}` (§2.4, BR-RES
 * [D]). Output order is "not guaranteed" (§2.1), so lines are matched by `recordId`, decoded to
 * the `custom_id`. Failed records are not retried by the service (§2.4 [S]).
 */
import { isObject } from "../../util/json.js";
import type { TargetResult } from "../target.js";
import { customIdOf } from "./format.js";

/** The error type of a failed record: `http_<errorCode>` (Bedrock gives a code and a message). */
function errorTypeOf(error: Record<string, unknown>): string {
  const code = error.errorCode;
  return typeof code === "number" || typeof code === "string" ? `http_${code}` : "unknown_error";
}

/** A Bedrock output line normalised (the raw line kept), or `undefined` when it is not one. */
export function readResult(line: unknown): TargetResult | undefined {
  if (!isObject(line) || typeof line.recordId !== "string") return undefined;
  const id = customIdOf(line.recordId);
  if (id === undefined) return undefined;
  if (isObject(line.error))
    return { id, status: "failed", errorType: errorTypeOf(line.error), raw: line };
  if (isObject(line.modelOutput)) {
    if (line.modelOutput.type === "error") {
      const inner = isObject(line.modelOutput.error) ? line.modelOutput.error : {};
      const type = typeof inner.type === "string" ? inner.type : "unknown_error";
      return { id, status: "failed", errorType: type, raw: line };
    }
    return { id, status: "succeeded", usage: line.modelOutput.usage, raw: line };
  }
  return undefined;
}
