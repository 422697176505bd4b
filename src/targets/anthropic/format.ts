/**
 * The shape of a Message Batches request line and its ids. Reference:
 * ../shared/reference/anthropic-caching-and-batches.md §5.1, §5.3, §1.5.
 */

/**
 * `custom_id` rule of the Batches API: "1 to 64 characters … matching `^[a-zA-Z0-9_-]{1,64}$`",
 * unique within the batch (reference §5.3 and fact 12, BP-en §Prepare and create your batch).
 */
export const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Message roles: `MessageParam` is `user` or `assistant`, plus `SystemMessageParam`'s `system`
 * (reference §1.5, SDK-M 3921). Anything else is a 400.
 */
export const MESSAGE_ROLES: ReadonlySet<string> = new Set(["user", "assistant", "system"]);

/**
 * One line of a batch as the API takes it: `create({requests: [{custom_id, params}]})`
 * (reference §5.1, SDK-B 299-340). `params` is a full `MessageCreateParamsNonStreaming`.
 */
export interface AnthropicBatchLine<P = Record<string, unknown>> {
  custom_id: string;
  params: P;
}

/** A planned request written as a batch line (the planner's requests already have this shape). */
export function toBatchLine<P>(request: { custom_id: string; params: P }): AnthropicBatchLine<P> {
  return { custom_id: request.custom_id, params: request.params };
}

/**
 * The id and body of a batch line read back, or `undefined` when the value is not one. Results
 * come back in any order, so they are matched by `custom_id` (reference §5.3, SDK-B 128-130).
 */
export function fromBatchLine(
  line: unknown,
): { id: string; body: Record<string, unknown> } | undefined {
  if (typeof line !== "object" || line === null) return undefined;
  const { custom_id: id, params: body } = line as Record<string, unknown>;
  if (typeof id !== "string" || typeof body !== "object" || body === null) return undefined;
  return { id, body: body as Record<string, unknown> };
}
