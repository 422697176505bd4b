/**
 * What the Messages API accepts but a batch refuses: `max_tokens: 0` (cache pre-warming),
 * `stream: true` and `speed` (fast mode) are validation errors inside a Message Batch
 * (reference §5.2 "Parameters not allowed in a batch", §4, fact 13; BP-en §What can be batched).
 * One table, read by the validator (the planner's wording) and by the simulator and emulator
 * (the API's wording).
 */

/** Which batch-only rule a request breaks; also the validator's rejection kind. */
export type BatchOnlyKind = "max-tokens-zero" | "stream-not-allowed" | "speed-not-allowed";

/** One parameter a batch refuses. */
export interface BatchOnlyRule {
  /** The rejection kind (`RejectReason`) the planner reports. */
  kind: BatchOnlyKind;
  /** The `params` field concerned. */
  field: "max_tokens" | "stream" | "speed";
  /** Whether `params` breaks the rule. */
  breaks: (params: Record<string, unknown>) => boolean;
  /** The planner's rejection text (what is wrong and what to do). */
  reason: string;
  /** The error message the API puts in the `errored` result. */
  apiMessage: string;
}

/** The rules, in the order they are checked. */
export const BATCH_ONLY_RULES: readonly BatchOnlyRule[] = Object.freeze([
  {
    kind: "max-tokens-zero",
    field: "max_tokens",
    // BP-en: "Each batched request must have `max_tokens` of at least `1`" (reference §4).
    breaks: (p) => p.max_tokens === 0,
    reason:
      "`params.max_tokens` is 0: cache pre-warming is rejected inside batches; set it to at least 1.",
    apiMessage:
      "max_tokens: 0 (cache pre-warming) is not supported in Message Batches; set max_tokens to at least 1.",
  },
  {
    kind: "stream-not-allowed",
    field: "stream",
    breaks: (p) => p.stream === true,
    reason: "`params.stream` is true: batch requests cannot stream; remove `stream`.",
    apiMessage: "stream: Streaming is not supported in Message Batches.",
  },
  {
    kind: "speed-not-allowed",
    field: "speed",
    breaks: (p) => p.speed !== undefined && p.speed !== null,
    reason: "`params.speed` is set: fast mode is not available in batches; remove `speed`.",
    apiMessage: "speed: Fast mode is not supported in Message Batches.",
  },
]);

/** The first batch-only rule `params` breaks, or `undefined`. */
export function batchOnlyViolation(params: Record<string, unknown>): BatchOnlyRule | undefined {
  return BATCH_ONLY_RULES.find((rule) => rule.breaks(params));
}

/**
 * `params` with every batch-only field made acceptable to the synchronous Messages API check
 * (the emulator's `POST /v1/messages` sets these rules aside; reference fact 13).
 */
export function withoutBatchOnlyFields(params: Record<string, unknown>): Record<string, unknown> {
  return {
    ...params,
    stream: undefined,
    speed: undefined,
    max_tokens: params.max_tokens === 0 ? 1 : params.max_tokens,
  };
}
