/**
 * The probe's synchronous calls (internal): count_tokens to size the prefixes, and Messages calls
 * timed on this machine's clock. Against the emulator, which runs on a scaled clock and says so
 * in a response header (`run/_clock.ts`), times are converted to the provider's clock and waits
 * shortened by the same scale; the Anthropic API never sends the header, so there the scale is 1.
 */
import { performance } from "node:perf_hooks";
import type Anthropic from "@anthropic-ai/sdk";
import { withTimeScale } from "../run/clock.js";
import type { BatchRequest } from "../types.js";
import { PROBE_DEFAULTS, prefixText } from "./_design.js";
import type { CallRecord } from "./_state.js";
import { ProbeError } from "./errors.js";

/** This machine's clock in ms, with sub-millisecond precision (the emulator's runs on the same one). */
export const localNow = (): number => performance.timeOrigin + performance.now();

/** The provider's time scale, as its answers announce it. */
export interface ScaleRef {
  scale: number;
}

/** Sends one request through the Messages API and times it. */
export async function timedCall(
  client: Anthropic,
  request: BatchRequest,
  scale: ScaleRef,
  signal?: AbortSignal,
): Promise<CallRecord> {
  const sentAt = localNow();
  const message = await withTimeScale(
    client.messages.create(request.params as Anthropic.Messages.MessageCreateParamsNonStreaming, {
      signal,
    }),
    (s) => {
      scale.scale = s;
    },
  );
  const doneAt = localNow();
  return { sentAt, doneAt, usage: message.usage, scale: scale.scale };
}

/** Waits `providerMs` of the provider's clock, or less when `signal` aborts. */
export function waitProvider(
  providerMs: number,
  scale: number,
  signal?: AbortSignal,
): Promise<void> {
  const ms = Math.max(0, providerMs / scale);
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

async function countPrefix(
  client: Anthropic,
  model: string,
  words: number,
  scale: ScaleRef,
): Promise<number> {
  const messages: Anthropic.Messages.MessageParam[] = [{ role: "user", content: "q0" }];
  const count = (system?: string) =>
    withTimeScale(
      client.messages.countTokens({
        model,
        messages,
        ...(system === undefined ? {} : { system: [{ type: "text", text: system }] }),
      }),
      (s) => {
        scale.scale = s;
      },
    );
  const [withPrefix, bare] = await Promise.all([count(prefixText("sizing", "a", words)), count()]);
  return withPrefix.input_tokens - bare.input_tokens;
}

/**
 * Sizes the prefixes with count_tokens (free, reference §6) so that each is just above the
 * model's minimum (fact 4: a shorter prefix is silently not cached): starts from one word per
 * token and corrects by the measured ratio, at most 6 counts.
 */
export async function sizePrefix(
  client: Anthropic,
  model: string,
  minimum: number,
  scale: ScaleRef,
): Promise<{ words: number; tokens: number }> {
  const target = Math.ceil(minimum * (1 + PROBE_DEFAULTS.margin));
  let words = target;
  for (let attempt = 0; attempt < 6; attempt++) {
    const tokens = await countPrefix(client, model, words, scale);
    if (tokens >= target && tokens <= target * 1.15) return { words, tokens };
    if (tokens <= 0) break;
    words = Math.max(1, Math.ceil((words * target * 1.03) / tokens));
  }
  throw new ProbeError(
    "probe-not-cacheable",
    `count_tokens did not size a probe prefix to ${target} tokens for ${model} in 6 tries; check the model id, or supply its minimum with \`--models\`.`,
  );
}
