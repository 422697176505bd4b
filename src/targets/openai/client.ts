/**
 * The OpenAI client, made on demand: `openai` (6.x, the newest major that runs on Node 20) is
 * imported only here and only when a client is asked for, so `plan` and `estimate` never load it.
 */
import type OpenAI from "openai";
import { OptionsError } from "../../errors.js";
import { importPeer } from "../peer.js";
import type { ClientOptions } from "../target.js";

/**
 * A client of the OpenAI API (`client.files`, `client.batches`, reference §4.2). An option left
 * out keeps the SDK's default (`OPENAI_API_KEY`, `OPENAI_BASE_URL`); the key is never logged.
 */
export async function createClient(options: ClientOptions = {}): Promise<OpenAI> {
  const { default: Sdk } = await importPeer(
    () => import("openai"),
    "openai",
    "6",
    "--target openai",
  );
  // The SDK's own "Missing credentials" error would reach the user as an unexpected failure.
  if (options.apiKey === undefined && !process.env.OPENAI_API_KEY) {
    throw new OptionsError(
      "Submitting an OpenAI plan calls the OpenAI Batch API and needs an OpenAI API key: set `OPENAI_API_KEY` (it is sent to the API only, never written to the plan folder or printed).",
    );
  }
  return new Sdk({
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
}
