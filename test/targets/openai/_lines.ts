/** Builders of OpenAI batch lines for the OpenAI target's tests. */

/** A deterministic text of about `n` o200k tokens (distinct words from a seed). */
export function prose(n: number, seed = 0): string {
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(`w${(i * 7919 + seed * 104729) % 100003}`);
  // "w12345" is about 2-3 tokens; keep about n tokens with n/2.5 words.
  return words.slice(0, Math.ceil(n / 2.5)).join(" ");
}

/** A chat completions line. */
export function chat(
  id: string,
  model: string,
  system: string,
  user: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    custom_id: id,
    method: "POST",
    url: "/v1/chat/completions",
    body: {
      model,
      messages: [
        { role: "system", content: system },
        { role: "user", content: user },
      ],
      max_completion_tokens: 100,
      ...extra,
    },
  };
}

/** A responses line. */
export function responses(
  id: string,
  model: string,
  instructions: string,
  input: string,
): Record<string, unknown> {
  return {
    custom_id: id,
    method: "POST",
    url: "/v1/responses",
    body: { model, instructions, input, max_output_tokens: 100 },
  };
}

/** An async iterable of JSONL lines from strings, through the project's strict reader. */
export async function* jsonl(text: string | Buffer): AsyncGenerator<unknown> {
  const { Readable } = await import("node:stream");
  const { readJsonl } = await import("../../../src/io/jsonl.js");
  yield* readJsonl(Readable.from([typeof text === "string" ? Buffer.from(text) : text]), {
    source: "in.jsonl",
  });
}
