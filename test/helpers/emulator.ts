/**
 * Helpers of the emulator tests: start emulators that `closeEmulators()` (in `afterEach`) shuts,
 * point the real SDK at them, poll a batch until it ends, and collect its results.
 */
import Anthropic from "@anthropic-ai/sdk";
import { createTiktokenCounter } from "../../src/exports/tokens.js";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/index.js";

type MessageBatch = Anthropic.Messages.Batches.MessageBatch;
type IndividualResponse = Anthropic.Messages.Batches.MessageBatchIndividualResponse;

/**
 * Simulated ms per real ms in the tests: a batch (5–15 simulated minutes of start delay, then
 * its requests) ends within about 100 ms of real time; 24 simulated hours take 8.6 real seconds.
 */
export const TEST_TIME_SCALE = 10_000;

const running: Emulator[] = [];

/** One counter for every test emulator: building the tiktoken encoder takes a few 100 ms. */
export const sharedCounter = createTiktokenCounter();

/** Starts an emulator (test time scale unless given) that {@link closeEmulators} will close. */
export async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const started = await startEmulator({
    timeScale: TEST_TIME_SCALE,
    counter: sharedCounter,
    ...options,
  });
  running.push(started);
  return started;
}

/** Closes every emulator started by {@link emulator}; call it in `afterEach`. */
export async function closeEmulators(): Promise<void> {
  await Promise.all(running.splice(0).map((e) => e.close()));
}

/** The real SDK client, pointed at the emulator. */
export function clientFor(
  target: Emulator,
  options: { maxRetries?: number; apiKey?: string } = {},
): Anthropic {
  return new Anthropic({
    baseURL: target.url,
    apiKey: options.apiKey ?? "test-key",
    maxRetries: options.maxRetries ?? 0,
  });
}

/** Polls `retrieve` every `intervalMs` until the batch has ended; fails after `timeoutMs`. */
export async function waitUntilEnded(
  client: Anthropic,
  id: string,
  { timeoutMs = 3000, intervalMs = 5 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<MessageBatch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await client.messages.batches.retrieve(id);
    if (batch.processing_status === "ended") return batch;
    if (Date.now() > deadline) {
      throw new Error(`batch ${id} still ${batch.processing_status} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * With a stopped clock (`timeScale: 0`): polls `retrieve` once per `stepMs` of simulated time,
 * advancing the clock between polls, until the batch has ended. Deterministic, and immune to
 * real-time hiccups that a fast clock turns into simulated hours.
 */
export async function advanceUntilEnded(
  target: Emulator,
  client: Anthropic,
  id: string,
  stepMs = 60_000,
): Promise<MessageBatch> {
  for (let step = 0; step < (48 * 3_600_000) / stepMs; step++) {
    const batch = await client.messages.batches.retrieve(id);
    if (batch.processing_status === "ended") return batch;
    target.advance(stepMs);
  }
  throw new Error(`batch ${id} did not end within 48 simulated hours`);
}

/** Every line of the batch's results, through the SDK's `results()` stream. */
export async function resultsOf(client: Anthropic, id: string): Promise<IndividualResponse[]> {
  const out: IndividualResponse[] = [];
  for await (const line of await client.messages.batches.results(id)) out.push(line);
  return out;
}

/** A small valid batch request. */
export function simpleRequest(
  customId: string,
  text = `Say something about ${customId}.`,
): Anthropic.Messages.Batches.BatchCreateParams.Request {
  return {
    custom_id: customId,
    params: {
      model: "claude-sonnet-4-6",
      max_tokens: 64,
      messages: [{ role: "user", content: text }],
    },
  };
}
