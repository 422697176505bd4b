/**
 * Where a Bedrock output line keeps its usage: `{recordId, modelInput, modelOutput}`, `modelOutput`
 * being the InvokeModel response body — the Anthropic Messages response with `usage` (§2.4,
 * BR-RES [D]). Batch inference reports no cache usage (§2.6 [S/U]); if a cache field ever appears,
 * the report counts it (that is how the uncertainty is measured).
 */
import { USAGE_FIELDS as ANTHROPIC_USAGE } from "../anthropic/usage.js";
import type { UsageFields } from "../target.js";

/** The usage fields of an output line's `modelOutput.usage`. */
export const USAGE_FIELDS: UsageFields = Object.freeze({
  ...ANTHROPIC_USAGE,
  path: Object.freeze(["modelOutput", "usage"]),
});
