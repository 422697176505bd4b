/**
 * One result line, checked and reduced to what the report counts (internal). Expected failures
 * (not JSON, not a batch result) are returned as data, never thrown (STYLE item 12).
 */
import { JsonlLine } from "../io/jsonl.js";
import type { TokenBreakdown } from "../pricing/cost.js";
import type { ResultLocation } from "./problems.js";

/** The usage of a succeeded result, as the report prices it. */
export interface UsageFacts {
  /** Tokens by kind; the 5m/1h split from `usage.cache_creation` (reference §8). */
  tokens: TokenBreakdown;
  /** `cache_creation` was null while `cache_creation_input_tokens` > 0: the writes were counted as 5m. */
  unsplit: boolean;
  /** `cache_creation` did not sum to `cache_creation_input_tokens`: the difference was counted as 5m. */
  mismatched: boolean;
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

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

function location(source: string | undefined, line: number): ResultLocation {
  return source === undefined ? { line } : { source, line };
}

function usageFacts(usage: unknown): UsageFacts | string {
  if (!isObject(usage)) return "a `succeeded` result has no `message.usage`";
  const { input_tokens, output_tokens } = usage;
  if (!isCount(input_tokens) || !isCount(output_tokens))
    return "`usage.input_tokens` and `usage.output_tokens` must be numbers >= 0";
  const split = usage.cache_creation;
  const splitSum = isObject(split)
    ? Number(split.ephemeral_5m_input_tokens ?? 0) + Number(split.ephemeral_1h_input_tokens ?? 0)
    : 0;
  // With no total but a breakdown, the breakdown is the total (reference §8: they sum).
  const creation = usage.cache_creation_input_tokens ?? splitSum;
  const read = usage.cache_read_input_tokens ?? 0;
  if (!isCount(creation) || !isCount(read))
    return "`usage.cache_creation_input_tokens` and `usage.cache_read_input_tokens` must be numbers >= 0 or null";
  let write5m = creation;
  let write1h = 0;
  let unsplit = false;
  let mismatched = false;
  if (isObject(split)) {
    const m5 = split.ephemeral_5m_input_tokens ?? 0;
    const h1 = split.ephemeral_1h_input_tokens ?? 0;
    if (!isCount(m5) || !isCount(h1))
      return "`usage.cache_creation` must hold numbers >= 0 for `ephemeral_5m_input_tokens` and `ephemeral_1h_input_tokens`";
    // They sum to cache_creation_input_tokens (reference §8); if not, trust the total.
    write1h = Math.min(h1, creation);
    write5m = creation - write1h;
    mismatched = m5 + h1 !== creation;
  } else if (creation > 0) {
    unsplit = true;
  }
  const geo = usage.inference_geo;
  return {
    tokens: {
      input: input_tokens,
      cacheWrite5m: write5m,
      cacheWrite1h: write1h,
      cacheRead: read,
      output: output_tokens,
    },
    unsplit,
    mismatched,
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
