/**
 * The checks of `params` fields the API refuses with a 400 before sampling (internal): unknown
 * top-level fields and out-of-range sampling parameters. The emulator gets them through
 * `validateRequest`, so the planner and the emulator agree (issue 12 item 4).
 */
import {
  HEADER_PARAMS,
  MESSAGE_PARAMS_FIELDS,
  UNIT_INTERVAL_PARAMS,
} from "../targets/anthropic/params.js";

/** Why a top-level field of `params` is not one the API knows, or `undefined`. */
export function unknownFieldProblem(params: Record<string, unknown>): string | undefined {
  for (const field of Object.keys(params)) {
    if (MESSAGE_PARAMS_FIELDS.has(field)) continue;
    if (HEADER_PARAMS.has(field)) {
      return `\`params.${field}\` is a header parameter, not a body field: the API answers 400 (Extra inputs are not permitted). Remove it from \`params\`: \`user_profile_id\` and \`workspace_id\` go on the batch (\`create({requests, workspace_id})\`), \`betas\` in the \`anthropic-beta\` header.`;
    }
    return `\`params.${field}\` is not a Messages API field: the API answers 400 (Extra inputs are not permitted). Remove it, or check its spelling (known fields: ${[...MESSAGE_PARAMS_FIELDS].join(", ")}).`;
  }
  return undefined;
}

/** `temperature` and `top_p` in [0, 1], `top_k` an integer ≥ 0, `stop_sequences` strings. */
export function samplingProblem(params: Record<string, unknown>): string | undefined {
  for (const field of UNIT_INTERVAL_PARAMS) {
    const value = params[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
      return `\`params.${field}\` is ${shown(value)}; it must be a number from 0 to 1, and the API answers 400 otherwise.`;
    }
  }
  const topK = params.top_k;
  if (topK !== undefined && topK !== null) {
    if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 0) {
      return `\`params.top_k\` is ${shown(topK)}; it must be an integer of 0 or more, and the API answers 400 otherwise.`;
    }
  }
  const stops = params.stop_sequences;
  if (stops !== undefined && (!Array.isArray(stops) || stops.some((s) => typeof s !== "string"))) {
    return "`params.stop_sequences` must be an array of strings; the API answers 400 otherwise.";
  }
  return undefined;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
