/**
 * Options shared by `submit()` and `cancelRun()` (internal): numbers checked, the call policy
 * (timeouts, retries, backoff), and the client's secrets for redaction.
 */
import { OptionsError } from "../errors.js";
import { seededRandom } from "../util/random.js";
import type { CallPolicy } from "./_call.js";
import { redactSecrets } from "./redact.js";
import type { SubmitOptions } from "./types.js";

/** A number option ≥ 0 (a whole number ≥ 1 with `integer`), or its default. */
export function positive(
  value: number | undefined,
  name: string,
  fallback: number,
  integer = false,
) {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || (integer && (!Number.isInteger(v) || v < 1))) {
    throw new OptionsError(
      `\`${name}\` must be ${integer ? "a whole number ≥ 1" : "a number ≥ 0"}; got ${JSON.stringify(value)}.`,
    );
  }
  return v;
}

/** Timeouts and retries of the API calls, from the options. */
export function callPolicy(options: {
  maxRetries?: number | undefined;
  timeout?: number | undefined;
  retryBackoff?: SubmitOptions["retryBackoff"];
  waitNoticeMs?: number | undefined;
}): CallPolicy {
  const maxRetries = options.maxRetries ?? 8;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new OptionsError(
      `\`maxRetries\` must be a whole number ≥ 0; got ${JSON.stringify(options.maxRetries)}.`,
    );
  }
  const timeout = options.timeout;
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0)) {
    throw new OptionsError(
      `\`timeout\` must be a number of milliseconds > 0; got ${JSON.stringify(timeout)}.`,
    );
  }
  const b = options.retryBackoff ?? {};
  const initialMs = positive(b.initialMs, "retryBackoff.initialMs", 1000);
  const seed = b.seed;
  return {
    maxRetries,
    timeoutMs: timeout ?? 120_000,
    createTimeoutMs: timeout ?? 600_000,
    backoff: {
      initialMs,
      maxMs: Math.max(initialMs, positive(b.maxMs, "retryBackoff.maxMs", 30_000)),
    },
    random: seed === undefined ? Math.random : seededRandom(seed),
    noticeMs: Math.max(1, positive(options.waitNoticeMs, "waitNoticeMs", 15_000)),
  };
}

/**
 * `error` with the secrets redacted from its message (a server's message may echo the key): the
 * boundary every error of the runner leaves through.
 */
export function redactError(error: unknown, secrets: readonly string[]): unknown {
  if (error instanceof Error) error.message = redactSecrets(error.message, secrets);
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof Error) cause.message = redactSecrets(cause.message, secrets);
  return error;
}
