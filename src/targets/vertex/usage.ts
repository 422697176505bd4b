/**
 * Where a Vertex Claude batch output line keeps its usage: the line carries the input's
 * `custom_id` plus `response` (the Anthropic Messages response, so Anthropic's usage fields) and
 * `status` (§3.4, VX-B reserved columns [D]); the exact line schema is [U] — one implementation
 * reads `line.response.body || line.response` (RLLM-VB), and `readResult` accepts both.
 */
import { USAGE_FIELDS as ANTHROPIC_USAGE } from "../anthropic/usage.js";
import type { UsageFields } from "../target.js";

/** The usage fields of an output line's `response.usage` (Anthropic's names, §3.6). */
export const USAGE_FIELDS: UsageFields = Object.freeze({
  ...ANTHROPIC_USAGE,
  path: Object.freeze(["response", "usage"]),
});
