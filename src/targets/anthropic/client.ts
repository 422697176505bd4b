/**
 * The Anthropic client, made on demand: `@anthropic-ai/sdk` is imported only here and only when a
 * client is asked for, so `plan` and `estimate` never load it.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { ClientOptions } from "../target.js";

/**
 * A client of the Anthropic API (`client.messages.batches`, reference §5.1). An option left out
 * keeps the SDK's default (`ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL` from the environment); `null`
 * means none.
 */
export async function createClient(options: ClientOptions = {}): Promise<Anthropic> {
  const { default: Sdk } = await import("@anthropic-ai/sdk");
  return new Sdk({
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
}
