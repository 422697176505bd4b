/**
 * What the commands that call the Message Batches API share (internal): the key from the
 * environment (a missing one is an `EnvironmentError`, exit 3), the client (its SDK loaded only
 * here, when a command makes one, so `status` never loads it), the call options
 * `--max-retries` and `--timeout`, and the redaction every message leaves through.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { redactSecrets } from "../exports/run.js";
import { anthropic } from "../exports/targets.js";
import { EnvironmentError } from "../index.js";
import { intOption } from "./_args.js";
import type { CliIo } from "./_context.js";
import { UsageError } from "./_context.js";

/** The variable the key is read from. */
const KEY_VARIABLE = "ANTHROPIC_API_KEY";

/**
 * The client of a command: `injected` (tests), else one made with the key and endpoint of the
 * environment. Without a key, throws an `EnvironmentError` with `keyMessage` (why the command
 * needs one and where it goes).
 */
export async function apiClient(
  io: CliIo,
  keyMessage: string,
  injected?: Anthropic,
): Promise<Anthropic> {
  if (injected) return injected;
  const key = io.env[KEY_VARIABLE];
  if (!key) throw new EnvironmentError(keyMessage, KEY_VARIABLE);
  return anthropic.createClient({ apiKey: key, baseURL: io.env.ANTHROPIC_BASE_URL || null });
}

/**
 * `work()`, with the environment's key redacted from the message of anything it throws (and
 * its cause's): a server's message may echo the key.
 */
export async function redactingKey<T>(io: CliIo, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const secrets = [io.env[KEY_VARIABLE]];
    if (error instanceof Error) error.message = redactSecrets(error.message, secrets);
    const cause = (error as { cause?: unknown } | null)?.cause;
    if (cause instanceof Error) cause.message = redactSecrets(cause.message, secrets);
    throw error;
  }
}

/**
 * `--max-retries` and `--timeout` as library options. While a call has had no answer for half
 * the timeout (at most 15 s), the run says what it waits on.
 */
export function callOptions(a: {
  "max-retries"?: string | undefined;
  timeout?: string | undefined;
}) {
  const out: { maxRetries?: number; timeout?: number; waitNoticeMs?: number } = {};
  if (a["max-retries"] !== undefined) {
    if (!/^\d+$/.test(a["max-retries"]))
      throw new UsageError("`--max-retries` takes a whole number ≥ 0, e.g. `--max-retries 8`.");
    out.maxRetries = Number(a["max-retries"]);
  }
  const timeout = intOption(a.timeout, "timeout");
  if (timeout !== undefined) {
    out.timeout = timeout;
    out.waitNoticeMs = Math.min(15_000, Math.max(1, Math.floor(timeout / 2)));
  }
  return out;
}
