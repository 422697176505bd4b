/**
 * The official TypeScript SDK's streaming helper against the emulator: `messages.stream()` with its
 * events and `finalMessage()`, twice on a marked prefix (issue 12 item 2). The SDK's batch and
 * Messages calls are covered in test/sim/emulator-*.test.ts and test/run/*.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { closeEmulators, emulator } from "../helpers/emulator.js";
import { FAKE_KEY, MODEL, PREFIX } from "./_shared.js";

afterEach(closeEmulators);

function params(question: string): Anthropic.Messages.MessageStreamParams {
  return {
    model: MODEL,
    max_tokens: 64,
    system: [{ type: "text", text: PREFIX, cache_control: { type: "ephemeral" } }],
    messages: [{ role: "user", content: question }],
  };
}

describe("official SDK messages.stream() against the emulator", () => {
  it("finalMessage() equals what the events built, and the second stream reads the prefix", async () => {
    const target = await emulator({ timeScale: 60 });
    const client = new Anthropic({ baseURL: target.url, apiKey: FAKE_KEY, maxRetries: 0 });
    const run = async (question: string) => {
      const stream = client.messages.stream(params(question));
      const types: string[] = [];
      let text = "";
      stream.on("streamEvent", (event) => types.push(event.type));
      stream.on("text", (delta) => {
        text += delta;
      });
      const message = await stream.finalMessage();
      return { message, types, text };
    };
    const first = await run("Grade answer 1.");
    const second = await run("Grade answer 2.");
    expect(first.types[0]).toBe("message_start");
    expect(first.types.at(-1)).toBe("message_stop");
    expect(first.message.content).toEqual([{ type: "text", text: first.text }]);
    expect(first.message.stop_reason).toBe("end_turn");
    const written = first.message.usage.cache_creation_input_tokens ?? 0;
    expect(written).toBeGreaterThan(5000);
    expect(second.message.usage).toMatchObject({
      cache_read_input_tokens: written,
      cache_creation_input_tokens: 0,
      output_tokens: 32,
    });
  });
});
