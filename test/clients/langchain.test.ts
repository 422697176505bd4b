/**
 * LangChain (`@langchain/anthropic`), unchanged, against the emulator: `invoke` and `.stream()`
 * twice on a marked prefix; the second call reads what the first wrote (issue 12 items 1 and 2:
 * sequential callers saw only misses, and `.stream()` failed).
 */
import { ChatAnthropic } from "@langchain/anthropic";
import {
  type AIMessageChunk,
  HumanMessage,
  SystemMessage,
  type UsageMetadata,
} from "@langchain/core/messages";
import { afterEach, describe, expect, it } from "vitest";
import { closeEmulators, emulator } from "../helpers/emulator.js";
import { FAKE_KEY, MODEL, PREFIX } from "./_shared.js";

afterEach(closeEmulators);

async function chat() {
  const target = await emulator({ timeScale: 60 }); // the CLI's default clock
  return new ChatAnthropic({
    model: MODEL,
    apiKey: FAKE_KEY,
    anthropicApiUrl: target.url,
    maxTokens: 64,
    maxRetries: 0,
  });
}

function messages(question: string) {
  return [
    new SystemMessage({
      content: [{ type: "text", text: PREFIX, cache_control: { type: "ephemeral" } }],
    }),
    new HumanMessage(question),
  ];
}

/** `usage_metadata.input_token_details` of a message or chunk (LangChain's cache counts). */
function cacheDetails(message: unknown) {
  return (message as { usage_metadata?: UsageMetadata }).usage_metadata?.input_token_details;
}

describe("LangChain ChatAnthropic against the emulator", () => {
  it("invoke twice: the second call reads the prefix the first wrote", async () => {
    const model = await chat();
    const first = await model.invoke(messages("Grade answer 1."));
    const second = await model.invoke(messages("Grade answer 2."));
    expect(String(first.content).length).toBeGreaterThan(0);
    const written = cacheDetails(first)?.cache_creation ?? 0;
    expect(written).toBeGreaterThan(5000);
    expect(cacheDetails(first)?.cache_read).toBe(0);
    expect(cacheDetails(second)).toMatchObject({
      cache_read: written,
      cache_creation: 0,
    });
  });

  it(".stream() twice: chunks add up to the text and usage, and the second stream reads", async () => {
    const model = await chat();
    const run = async (question: string) => {
      let whole: AIMessageChunk | undefined;
      let chunks = 0;
      for await (const chunk of await model.stream(messages(question))) {
        whole = whole === undefined ? chunk : whole.concat(chunk);
        chunks += 1;
      }
      if (whole === undefined) throw new Error("no chunk streamed");
      return { whole, chunks };
    };
    const first = await run("Grade answer 1.");
    const second = await run("Grade answer 2.");
    expect(first.chunks).toBeGreaterThan(2);
    expect(String(first.whole.content).split(" ").length).toBeGreaterThan(5);
    const written = cacheDetails(first.whole)?.cache_creation ?? 0;
    expect(written).toBeGreaterThan(5000);
    expect(cacheDetails(second.whole)).toMatchObject({
      cache_read: written,
      cache_creation: 0,
    });
  });
});
