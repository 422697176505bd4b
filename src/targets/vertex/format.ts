/**
 * The Vertex AI batch prediction record for Claude: one `{"custom_id", "request"}` per JSONL line;
 * `request` is the Anthropic Messages body with `"anthropic_version": "vertex-2023-10-16"` and
 * without `model`, which is set on the job (other-batch-systems.md §3.1, VX-B).
 */
import { batchOnlyViolation } from "../anthropic/batch-rules.js";
import { CUSTOM_ID_PATTERN } from "../anthropic/format.js";
import type { PlannedRecord } from "../target.js";

/** The `anthropic_version` a Vertex request body carries (§3.1, VX-B example). */
export const VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";

/**
 * `custom_id` rules of Vertex Claude batches were not found (§3.1 [U]); Anthropic's
 * `^[a-zA-Z0-9_-]{1,64}$` is used to be safe.
 */
export const VERTEX_ID_PATTERN = CUSTOM_ID_PATTERN;

/** One line of a Vertex batch input file. */
export interface VertexBatchLine {
  custom_id: string;
  request: Record<string, unknown>;
}

/** A planned request as a Vertex line: `model` moved out to the job, `anthropic_version` added. */
export function toVertexLine(record: PlannedRecord): VertexBatchLine {
  const { model: _model, ...rest } = record.params;
  return {
    custom_id: record.custom_id,
    request: { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest },
  };
}

/** The id and body of a Vertex input (or output) line, or `undefined` when it is not one. */
export function fromVertexLine(
  line: unknown,
): { id: string; body: Record<string, unknown> } | undefined {
  if (typeof line !== "object" || line === null) return undefined;
  const { custom_id: id, request } = line as Record<string, unknown>;
  if (typeof id !== "string" || typeof request !== "object" || request === null) return undefined;
  return { id, body: request as Record<string, unknown> };
}

/**
 * Vertex takes the Anthropic body "as is" (§3.1); no Vertex-specific batch rule is documented, so
 * Anthropic's batch-only rules are applied (`stream`, `speed`, `max_tokens: 0`) as the safe side.
 */
export { batchOnlyViolation };
