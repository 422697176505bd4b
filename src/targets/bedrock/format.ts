/**
 * The Amazon Bedrock batch inference record for Claude: one `{"recordId", "modelInput"}` per JSONL
 * line; with the default `InvokeModel` invocation type, `modelInput` is the InvokeModel body
 * `{"anthropic_version": "bedrock-2023-05-31", "max_tokens", "messages", "system", …}` without
 * `model`, which is set on the job (other-batch-systems.md §2.1, BR-DATA [D]).
 */
import { applyMarkers } from "../../request/markers.js";
import type { BatchRequest } from "../../types.js";
import { batchOnlyViolation } from "../anthropic/batch-rules.js";
import type { PlannedRecord } from "../target.js";

/** The `anthropic_version` of an InvokeModel body for Claude (§2.1, BR-DATA example `CALL0000001`). */
export const BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

/**
 * `recordId` is an "alphanumeric string" (BR-DATA; older pages: "11 character alphanumeric
 * string" — a length limit is [U]). A `custom_id` may hold `_` and `-`, so ids are encoded
 * reversibly: an alphanumeric `custom_id` not starting with `X` is kept as is; any other becomes
 * `X` and the hex of its UTF-8 bytes. Results come back in any order (§2.1, "not guaranteed"), and
 * are mapped back by decoding `recordId`.
 */
export const RECORD_ID_PATTERN = /^[A-Za-z0-9]+$/;

/** The `recordId` of a `custom_id` (see {@link RECORD_ID_PATTERN}). */
export function recordIdOf(customId: string): string {
  return RECORD_ID_PATTERN.test(customId) && !customId.startsWith("X")
    ? customId
    : `X${Buffer.from(customId, "utf8").toString("hex")}`;
}

/** The `custom_id` a `recordId` encodes, or `undefined` when it is not one cacheplan wrote. */
export function customIdOf(recordId: string): string | undefined {
  if (!RECORD_ID_PATTERN.test(recordId)) return undefined;
  if (!recordId.startsWith("X")) return recordId;
  const hex = recordId.slice(1);
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/.test(hex)) return undefined;
  return Buffer.from(hex, "hex").toString("utf8");
}

/**
 * `params` without its cache markers: the `cache_control` of each block the segment walk visits
 * (tools, system blocks, message content blocks, `tool_result` content blocks), the top-level one
 * and any on a message itself — the only places the API reads one (reference §1.5). A key named
 * `cache_control` anywhere else is the user's data (a tool's `input_schema` property, a
 * `tool_use` `input`) and is kept, byte for byte.
 */
export function withoutMarkers(params: Record<string, unknown>): Record<string, unknown> {
  const request = { custom_id: "", params } as unknown as BatchRequest;
  return applyMarkers(request, [], true).params as unknown as Record<string, unknown>;
}

/** One line of a Bedrock batch input file. */
export interface BedrockBatchLine {
  recordId: string;
  modelInput: Record<string, unknown>;
}

/**
 * A planned request as a Bedrock line: `model` moved out to the job, `anthropic_version` added,
 * and every cache marker removed ({@link withoutMarkers}) — batch inference neither reads nor writes a prompt cache
 * (§2.6 [S/U]), so a hint would only mislead whoever reads the file.
 */
export function toBedrockLine(record: PlannedRecord): BedrockBatchLine {
  const { model: _model, ...rest } = record.params;
  return {
    recordId: recordIdOf(record.custom_id),
    modelInput: {
      anthropic_version: BEDROCK_ANTHROPIC_VERSION,
      ...withoutMarkers(rest),
    },
  };
}

/** The `custom_id` and body of a Bedrock input (or output) line, or `undefined` when it is not one. */
export function fromBedrockLine(
  line: unknown,
): { id: string; body: Record<string, unknown> } | undefined {
  if (typeof line !== "object" || line === null) return undefined;
  const { recordId, modelInput } = line as Record<string, unknown>;
  if (typeof recordId !== "string" || typeof modelInput !== "object" || modelInput === null)
    return undefined;
  const id = customIdOf(recordId);
  return id === undefined ? undefined : { id, body: modelInput as Record<string, unknown> };
}

/** Anthropic's batch-only rules are applied too (no Bedrock-specific rule is documented) [U]. */
export { batchOnlyViolation };
