/**
 * The OpenAI planner's first stage (internal): reads every item, validates it, and keeps the ones
 * it can plan; the others become `RejectedRequest`s naming line, `custom_id` and the fix.
 */
import { JsonlLine } from "../../io/jsonl-line.js";
import type { RejectedRequest } from "../../types.js";
import type { OpenAIRequest } from "./format.js";
import { validateOpenAILine } from "./validate.js";

/** A request that passed validation. */
export interface Admitted {
  request: OpenAIRequest;
  line: number;
  /** Bytes of its JSONL line as given. */
  bytes: number;
  /** Breakpoints it already carries. */
  userBreakpoints: number;
}

/** What the intake read. */
export interface OpenAIIntake {
  inputRequests: number;
  admitted: Admitted[];
  rejected: RejectedRequest[];
}

/** Bytes a line may grow by when the planner adds breakpoints, a cache key and cache options. */
export const PLANNER_ALLOWANCE_BYTES = 4 * 80 + 160;

/** Reads and checks every item, in input order. */
export async function readOpenAIRequests(
  items: Iterable<unknown> | AsyncIterable<unknown>,
  maxBytes: number,
): Promise<OpenAIIntake> {
  const admitted: Admitted[] = [];
  const rejected: RejectedRequest[] = [];
  const seen = new Map<string, number>();
  let position = 0;
  for await (const raw of items as AsyncIterable<unknown>) {
    position += 1;
    const line = raw instanceof JsonlLine ? raw.line : position;
    const where = raw instanceof JsonlLine && raw.source ? { source: raw.source } : {};
    if (raw instanceof JsonlLine && raw.parseError !== undefined) {
      const kind = raw.problem ?? "invalid-json";
      rejected.push({
        line,
        ...where,
        kind,
        reason:
          kind === "invalid-json"
            ? `Not valid JSON: ${raw.parseError}. Each line must hold one batch line object.`
            : raw.parseError,
      });
      continue;
    }
    const value = raw instanceof JsonlLine ? raw.value : raw;
    const check = validateOpenAILine(value);
    if (!check.ok) {
      const { ok: _ok, ...rest } = check;
      rejected.push({ line, ...where, ...rest });
      continue;
    }
    const id = check.request.custom_id;
    const first = seen.get(id);
    if (first !== undefined) {
      rejected.push({
        line,
        ...where,
        custom_id: id,
        kind: "duplicate-custom-id",
        reason: `\`custom_id\` ${JSON.stringify(id)} was already used on line ${first}; results are matched by \`custom_id\`, so each must be unique. Rename one.`,
      });
      continue;
    }
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes + PLANNER_ALLOWANCE_BYTES > maxBytes) {
      rejected.push({
        line,
        ...where,
        custom_id: id,
        kind: "too-large",
        reason: `The line is ${bytes.toLocaleString("en-US")} bytes; with room for cache settings it cannot fit in an input file of \`maxBytes\` ${maxBytes.toLocaleString("en-US")}. Shrink it or raise \`maxBytes\` (the API allows 200 MB).`,
      });
      continue;
    }
    seen.set(id, line);
    admitted.push({ request: check.request, line, bytes, userBreakpoints: check.breakpoints });
  }
  return { inputRequests: position, admitted, rejected };
}
