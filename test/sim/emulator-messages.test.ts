/**
 * The emulator's synchronous endpoints through the real SDK: `messages.countTokens`,
 * `messages.create` and `max_tokens: 0` pre-warming (reference §4, §6, §8, fact 15).
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  advanceUntilEnded,
  clientFor,
  closeEmulators,
  emulator,
  resultsOf,
  waitUntilEnded,
} from "../helpers/emulator.js";
import { words } from "../helpers/word-counter.js";

afterEach(closeEmulators);

const MODEL = "claude-sonnet-4-6"; // minimum cacheable prefix 1,024 tokens (reference §2)
/** A system prompt well above the minimum with the tiktoken estimate (~2,000 tokens). */
const RUBRIC = `You grade answers. ${words("rubric", 2000)}`;

function params(question: string, maxTokens = 64) {
  return {
    model: MODEL,
    max_tokens: maxTokens,
    system: [
      {
        type: "text" as const,
        text: RUBRIC,
        cache_control: { type: "ephemeral" as const, ttl: "1h" as const },
      },
    ],
    messages: [{ role: "user" as const, content: question }],
  };
}

function promptTokens(usage: Anthropic.Messages.Usage): number {
  // Reference fact 17: total input = input + cache creation + cache read.
  return (
    usage.input_tokens +
    (usage.cache_creation_input_tokens ?? 0) +
    (usage.cache_read_input_tokens ?? 0)
  );
}

describe("count_tokens and usage come from the same counter", () => {
  it("input + creation + read of a message and of a batch result equal count_tokens", async () => {
    const target = await emulator();
    const client = clientFor(target);
    const { max_tokens: _unused, ...countParams } = params("How is answer 1?");
    const counted = await client.messages.countTokens(countParams);
    expect(counted).toEqual({ input_tokens: expect.any(Number) });
    expect(counted.input_tokens).toBeGreaterThan(2000);

    const message = await client.messages.create(params("How is answer 1?"));
    expect(message.usage.cache_creation_input_tokens).toBeGreaterThan(0); // cold: it writes
    expect(promptTokens(message.usage)).toBe(counted.input_tokens);

    const batch = await client.messages.batches.create({
      requests: [{ custom_id: "q1", params: params("How is answer 1?") }],
    });
    await waitUntilEnded(client, batch.id);
    const [line] = await resultsOf(client, batch.id);
    if (line?.result.type !== "succeeded") throw new Error("expected a succeeded result");
    expect(promptTokens(line.result.message.usage)).toBe(counted.input_tokens);
  });

  it("ignores cache_control and rejects a body without messages (reference §6)", async () => {
    const target = await emulator();
    const client = clientFor(target);
    const plain = await client.messages.countTokens({
      model: MODEL,
      system: RUBRIC,
      messages: [{ role: "user", content: "q" }],
    });
    const marked = await client.messages.countTokens({
      model: MODEL,
      system: [{ type: "text", text: RUBRIC, cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: "q" }],
    });
    expect(marked).toEqual(plain);
    const bad = await client.messages
      .countTokens({ model: MODEL } as unknown as Anthropic.Messages.MessageCountTokensParams)
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
  });
});

describe("synchronous messages", () => {
  it("answers with a standard-tier message, and a later identical call reads the cache", async () => {
    const target = await emulator({ timeScale: 0 });
    const client = clientFor(target);
    const first = await client.messages.create(params("Grade answer 7."));
    expect(first).toMatchObject({
      type: "message",
      role: "assistant",
      model: MODEL,
      stop_reason: "end_turn",
      usage: { service_tier: "standard", cache_read_input_tokens: 0, output_tokens: 32 },
    });
    expect(first.id).toMatch(/^msg_01/);
    expect(first.content[0]).toMatchObject({ type: "text", text: expect.any(String) });
    expect(first.usage.cache_creation?.ephemeral_1h_input_tokens).toBe(
      first.usage.cache_creation_input_tokens,
    );

    target.advance(5_000); // the first response has started: its write is readable (fact 14)
    const second = await client.messages.create(params("Grade answer 8."));
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
  });

  it("rejects a body the API would reject, with BadRequestError", async () => {
    const target = await emulator();
    const client = clientFor(target);
    const cases: Array<Record<string, unknown>> = [
      { ...params("q"), model: undefined },
      { ...params("q"), messages: [] },
      { ...params("q"), max_tokens: -1 },
      { ...params("q", 0), thinking: { type: "enabled", budget_tokens: 1024 } }, // §4
      { ...params("q", 0), tool_choice: { type: "any" } }, // §4
    ];
    for (const body of cases) {
      const error = await client.messages
        .create(body as unknown as Anthropic.Messages.MessageCreateParamsNonStreaming)
        .catch((e: unknown) => e);
      expect(error, JSON.stringify(body).slice(0, 80)).toBeInstanceOf(Anthropic.BadRequestError);
    }
  });
});

describe("max_tokens: 0 pre-warming (reference §4)", () => {
  it("writes the cache and returns no content, stop_reason max_tokens, 0 output tokens", async () => {
    const target = await emulator();
    const client = clientFor(target);
    const warm = await client.messages.create(params("warmup", 0));
    expect(warm.content).toEqual([]);
    expect(warm.stop_reason).toBe("max_tokens");
    expect(warm.usage).toMatchObject({ output_tokens: 0, service_tier: "standard" });
    expect(warm.usage.cache_creation_input_tokens).toBeGreaterThan(2000);
    expect(warm.usage.input_tokens).toBeLessThan(10); // only the placeholder after the breakpoint
  });

  async function warmThenBatch(syncToBatchVisibility: number) {
    const target = await emulator({ timeScale: 0, sim: { syncToBatchVisibility } });
    const client = clientFor(target);
    await client.messages.create(params("warmup", 0));
    const batch = await client.messages.batches.create({
      requests: Array.from({ length: 5 }, (_, i) => ({
        custom_id: `after-warm-${i}`,
        params: params(`Grade answer ${i}.`),
      })),
    });
    await advanceUntilEnded(target, client, batch.id);
    return (await resultsOf(client, batch.id)).map((r) => {
      if (r.result.type !== "succeeded") throw new Error(`${r.custom_id}: ${r.result.type}`);
      return r.result.message.usage.cache_read_input_tokens;
    });
  }

  it("is not seen by a batch by default (ISS-1475, fact 15)", async () => {
    expect(await warmThenBatch(0)).toEqual([0, 0, 0, 0, 0]);
  });

  it("is seen by a batch with `syncToBatchVisibility: 1`", async () => {
    const reads = await warmThenBatch(1);
    expect(reads.every((r) => (r ?? 0) > 2000)).toBe(true);
  });
});
