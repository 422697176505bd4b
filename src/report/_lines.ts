/**
 * One result line, checked and reduced to what the report counts (internal). Expected failures
 * (not JSON, not a batch result) are returned as data, never thrown (STYLE item 12).
 */
import { JsonlLine } from "../io/jsonl.js";
import { USAGE_FIELDS } from "../targets/anthropic/usage.js";
import { readUsage, type TokenUsage } from "../usage.js";
import { isObject } from "../util/json.js";
import type { ResultLocation } from "./problems.js";

/** The usage of a succeeded result, as the report prices it: read by `readUsage`, plus its prices' flags. */
export interface UsageFacts extends TokenUsage {
  /** `usage.service_tier === "batch"` (reference fact 17): batch prices. */
  batch: boolean;
  /** `usage.inference_geo`, when `"us"` or `"global"`. */
  geo: "us" | "global" | undefined;
}

/** A result, reduced. */
export type ResultFacts =
  | { type: "succeeded"; model: string | undefined; usage: UsageFacts }
  | { type: "errored"; errorType: string }
  | { type: "canceled" }
  | { type: "expired" };

/** A line, checked. */
export type CheckedLine =
  | { ok: true; location: ResultLocation; customId: string; result: ResultFacts }
  | {
      ok: false;
      kind: "invalid-line" | "invalid-result";
      location: ResultLocation;
      customId?: string;
      detail: string;
    };

function location(source: string | undefined, line: number): ResultLocation {
  return source === undefined ? { line } : { source, line };
}

function usageFacts(usage: unknown): UsageFacts | string {
  if (!isObject(usage)) return "a `succeeded` result has no `message.usage`";
  const reading = readUsage(usage, USAGE_FIELDS);
  if (!reading.ok) return reading.problem;
  const geo = usage.inference_geo;
  return {
    tokens: reading.tokens,
    unsplit: reading.unsplit,
    mismatched: reading.mismatched,
    batch: usage.service_tier === "batch",
    geo: geo === "us" || geo === "global" ? geo : undefined,
  };
}

function resultFacts(result: unknown): ResultFacts | string {
  if (!isObject(result)) return "`result` is missing or not an object";
  switch (result.type) {
    case "succeeded": {
      const message = result.message;
      if (!isObject(message)) return "a `succeeded` result has no `message`";
      const usage = usageFacts(message.usage);
      if (typeof usage === "string") return usage;
      return {
        type: "succeeded",
        model: typeof message.model === "string" ? message.model : undefined,
        usage,
      };
    }
    case "errored": {
      const outer = isObject(result.error) ? result.error : undefined;
      const inner = outer && isObject(outer.error) ? outer.error : undefined;
      const errorType =
        typeof inner?.type === "string"
          ? inner.type
          : typeof outer?.type === "string" && outer.type !== "error"
            ? outer.type
            : "unknown_error";
      return { type: "errored", errorType };
    }
    case "canceled":
    case "expired":
      return { type: result.type };
    default:
      return `\`result.type\` is ${JSON.stringify(result.type)}; expected "succeeded", "errored", "canceled" or "expired"`;
  }
}

/** Checks one input item (an SDK result object, a `JsonlLine`, or a JSON string) at `position`. */
export function checkLine(item: unknown, position: number): CheckedLine {
  let value: unknown = item;
  let where = location(undefined, position);
  if (item instanceof JsonlLine) {
    where = location(item.source, item.line);
    if (item.parseError !== undefined)
      return {
        ok: false,
        kind: "invalid-line",
        location: where,
        detail: `not valid JSON (${item.parseError})`,
      };
    value = item.value;
  } else if (typeof item === "string") {
    try {
      value = JSON.parse(item);
    } catch (error) {
      return {
        ok: false,
        kind: "invalid-line",
        location: where,
        detail: `not valid JSON (${(error as Error).message})`,
      };
    }
  }
  if (!isObject(value))
    return { ok: false, kind: "invalid-result", location: where, detail: "not a JSON object" };
  const customId = value.custom_id;
  if (typeof customId !== "string" || customId === "")
    return {
      ok: false,
      kind: "invalid-result",
      location: where,
      detail: "no string `custom_id`",
    };
  const result = resultFacts(value.result);
  if (typeof result === "string")
    return { ok: false, kind: "invalid-result", location: where, customId, detail: result };
  return { ok: true, location: where, customId, result };
}
