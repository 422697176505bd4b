/**
 * The Vercel AI SDK (`ai` + `@ai-sdk/anthropic`), unchanged, against the emulator: `generateText`
 * and `streamText` twice on a marked prefix; the second call reads what the first wrote, and both
 * `usage` and `providerMetadata` say so (issue 12: "A test suite of clients written by others").
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { generateText, type ModelMessage, streamText } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { closeEmulators, emulator } from "../helpers/emulator.js";
import { FAKE_KEY, MODEL, PREFIX } from "./_shared.js";

afterEach(closeEmulators);

async function provider() {
  const target = await emulator({ timeScale: 60 }); // the CLI's default clock
  return createAnthropic({ baseURL: `${target.url}/v1`, apiKey: FAKE_KEY });
}

function messages(question: string): ModelMessage[] {
  return [
    {
      role: "system",
      content: PREFIX,
      providerOptions: { anthropic: { cacheControl: { type: "ephemeral" } } },
    },
    { role: "user", content: question },
  ];
}

// The marked prefix is a system message with provider options, the AI SDK's way to mark it.
const options = { maxOutputTokens: 64, maxRetries: 0, allowSystemInMessages: true };

describe("Vercel AI SDK against the emulator", () => {
  it("generateText twice: the second call reads the prefix the first wrote", async () => {
    const anthropic = await provider();
    const model = anthropic(MODEL);
    const first = await generateText({ model, messages: messages("Grade answer 1."), ...options });
    const second = await generateText({ model, messages: messages("Grade answer 2."), ...options });
    expect(first.text.length).toBeGreaterThan(0);
    const written = first.usage.inputTokenDetails.cacheWriteTokens ?? 0;
    expect(written).toBeGreaterThan(5000);
    expect(first.usage.inputTokenDetails.cacheReadTokens).toBe(0);
    expect(second.usage.inputTokenDetails).toMatchObject({
      cacheReadTokens: written,
      cacheWriteTokens: 0,
    });
    expect(second.usage.cachedInputTokens).toBe(written);
    expect(first.providerMetadata?.anthropic?.cacheCreationInputTokens).toBe(written);
    expect(second.providerMetadata?.anthropic?.cacheCreationInputTokens).toBe(0);
  });

  it("streamText twice: the text streams, and the second stream reads the prefix", async () => {
    const anthropic = await provider();
    const model = anthropic(MODEL);
    const run = async (question: string) => {
      const errors: unknown[] = [];
      const result = streamText({
        model,
        messages: messages(question),
        ...options,
        onError: ({ error }) => {
          errors.push(error);
        },
      });
      let text = "";
      for await (const piece of result.textStream) text += piece;
      expect(errors).toEqual([]);
      return { text, usage: await result.usage, metadata: await result.providerMetadata };
    };
    const first = await run("Grade answer 1.");
    const second = await run("Grade answer 2.");
    expect(first.text.split(" ").length).toBeGreaterThan(5);
    const written = first.usage.inputTokenDetails.cacheWriteTokens ?? 0;
    expect(written).toBeGreaterThan(5000);
    expect(second.usage.inputTokenDetails).toMatchObject({
      cacheReadTokens: written,
      cacheWriteTokens: 0,
    });
    expect(first.metadata?.anthropic?.cacheCreationInputTokens).toBe(written);
    expect(second.metadata?.anthropic?.cacheCreationInputTokens).toBe(0);
  });
});
