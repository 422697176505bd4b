/**
 * Response bodies of the OpenAI emulator (internal), in the shapes of the `openai` SDK 6.x types:
 * `ChatCompletion` and `Response`, with `usage` carrying `cached_tokens` and, on GPT-5.6+,
 * `cache_write_tokens` (reference §4.4, §4.6; OA-SDK).
 */
import { fnv1a32 } from "../../util/hash.js";

/** Output tokens of a request: deterministic from its id, capped by its max. */
export function outputTokens(customId: string, body: Record<string, unknown>): number {
  const max = [body.max_completion_tokens, body.max_tokens, body.max_output_tokens].find(
    (v) => typeof v === "number",
  ) as number | undefined;
  const n = 20 + (fnv1a32(customId) % 180);
  return max === undefined ? n : Math.min(max, n);
}

export interface Usage {
  prompt: number;
  cached: number;
  written: number;
  output: number;
  /** Whether the model reports `cache_write_tokens` (GPT-5.6+). */
  writes: boolean;
}

function text(n: number): string {
  return Array.from({ length: n }, (_, i) => `t${i % 10}`).join(" ");
}

/** A `chat.completion` body. */
export function chatCompletion(
  id: string,
  model: string,
  created: number,
  u: Usage,
): Record<string, unknown> {
  return {
    id: `chatcmpl-${id}`,
    object: "chat.completion",
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text(u.output), refusal: null },
        finish_reason: "stop",
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: u.prompt,
      completion_tokens: u.output,
      total_tokens: u.prompt + u.output,
      prompt_tokens_details: {
        cached_tokens: u.cached,
        audio_tokens: 0,
        ...(u.writes ? { cache_write_tokens: u.written } : {}),
      },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: "default",
  };
}

/** A `response` body (Responses API). */
export function responseBody(
  id: string,
  model: string,
  created: number,
  u: Usage,
): Record<string, unknown> {
  return {
    id: `resp_${id}`,
    object: "response",
    created_at: created,
    status: "completed",
    model,
    output: [
      {
        type: "message",
        id: `msg_${id}`,
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: text(u.output), annotations: [] }],
      },
    ],
    usage: {
      input_tokens: u.prompt,
      input_tokens_details: {
        cached_tokens: u.cached,
        cache_write_tokens: u.writes ? u.written : 0,
      },
      output_tokens: u.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: u.prompt + u.output,
    },
  };
}

/** An OpenAI error body. */
export function errorBody(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
) {
  return { error: { message, type, param, code } };
}
