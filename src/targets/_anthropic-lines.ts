/**
 * A cloud target's result lines as Message Batches result lines (internal), so that `report()`
 * reads Vertex output lines and Bedrock `.jsonl.out` records like Anthropic's: each raw line is
 * normalised by the target's `readResult` (matched by `custom_id`, Bedrock's `recordId` decoded)
 * and rewritten as `{custom_id, result: {type, message|error}}`. A line the target cannot read
 * (e.g. a manifest, a broken line) is passed through unchanged, so the report names it as a
 * problem instead of dropping it. Usage is the target's own object (Anthropic's field names on
 * both clouds); `service_tier: "batch"` is added when absent, since every line came from a
 * batch job (whether the clouds report it is uncertain).
 */
import { JsonlLine } from "../io/jsonl-line.js";
import { isObject } from "../util/json.js";
import type { Target } from "./target.js";

/** One raw line rewritten (or passed through). */
export function anthropicLineOf(target: Pick<Target, "readResult">, line: unknown): unknown {
  const r = target.readResult(line);
  if (r === undefined) return line;
  switch (r.status) {
    case "succeeded": {
      const usage = isObject(r.usage) ? { service_tier: "batch", ...r.usage } : r.usage;
      const raw = line as Record<string, unknown>;
      const body = isObject(raw.modelOutput)
        ? raw.modelOutput
        : isObject(raw.response)
          ? raw.response
          : {};
      const message = isObject(body.body) ? body.body : body;
      return {
        custom_id: r.id,
        result: { type: "succeeded", message: { ...message, usage } },
      };
    }
    case "failed":
      return {
        custom_id: r.id,
        result: {
          type: "errored",
          error: { type: "error", error: { type: r.errorType, message: "" } },
        },
      };
    case "cancelled":
      return { custom_id: r.id, result: { type: "canceled" } };
    case "expired":
      return { custom_id: r.id, result: { type: "expired" } };
  }
}

/** Every line of `lines` rewritten, streamed. */
export async function* anthropicLines(
  target: Pick<Target, "readResult">,
  lines: Iterable<unknown> | AsyncIterable<unknown>,
): AsyncGenerator<unknown> {
  for await (const line of lines) {
    // A line read from a results file keeps its file and line number for the report's problems.
    if (line instanceof JsonlLine)
      yield line.parseError === undefined
        ? new JsonlLine(line.line, line.source, anthropicLineOf(target, line.value))
        : line;
    else yield anthropicLineOf(target, line);
  }
}
