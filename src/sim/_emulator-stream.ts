/**
 * A Messages response as server-sent events (internal), for `stream: true` on `POST /v1/messages`
 * (issue 12 item 2). The event flow is the documented one (https://docs.claude.com/en/api/messages-streaming,
 * "Event types"): `message_start` with a `Message` whose `content` is empty, then per content block
 * `content_block_start`, `content_block_delta`s and `content_block_stop`, then `message_delta`
 * and `message_stop`; a `ping` may come anywhere, and the docs' example sends one after the first
 * `content_block_start`.
 *
 * Usage: the cache fields are on `message_start` (reference §8, PC-zh), whose `output_tokens` is
 * the docs' example's 1; `message_delta.usage` carries the cumulative totals (SDK-M 3890-3920),
 * which the SDK's `MessageStream` copies over the snapshot (lib/MessageStream.js
 * `accumulateMessage`), so `finalMessage()` has the same usage as a non-streaming call.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { SseEvent } from "./_emulator-api.js";

/** Text deltas per block at most: enough to exercise a client's accumulation, few frames. */
const MAX_DELTAS = 8;

function event(data: { type: string } & Record<string, unknown>): SseEvent {
  return { event: data.type, data };
}

/** Splits `text` into at most {@link MAX_DELTAS} pieces on word boundaries; joined, they give it back. */
function pieces(text: string): string[] {
  const words = text.split(/(?<= )/);
  const size = Math.ceil(words.length / MAX_DELTAS);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(""));
  return out.length > 0 ? out : [""];
}

/** The events of `message`, in the documented order. */
export function messageEvents(message: Anthropic.Messages.Message): SseEvent[] {
  const { content, usage, stop_reason, stop_sequence, ...rest } = message;
  const events: SseEvent[] = [
    event({
      type: "message_start",
      message: {
        ...rest,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: Math.min(1, usage.output_tokens) },
      },
    }),
  ];
  for (const [index, block] of content.entries()) {
    if (block.type !== "text") continue;
    events.push(
      event({ type: "content_block_start", index, content_block: { type: "text", text: "" } }),
    );
    if (index === 0) events.push(event({ type: "ping" }));
    for (const text of pieces(block.text)) {
      events.push(
        event({ type: "content_block_delta", index, delta: { type: "text_delta", text } }),
      );
    }
    events.push(event({ type: "content_block_stop", index }));
  }
  if (content.length === 0) events.push(event({ type: "ping" }));
  events.push(
    event({
      type: "message_delta",
      delta: { stop_reason, stop_sequence },
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: usage.output_tokens,
      },
    }),
    event({ type: "message_stop" }),
  );
  return events;
}
