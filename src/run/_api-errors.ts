/**
 * The SDK's errors, read without importing the SDK (internal): the runner takes a client the user
 * built, and the library must not load the SDK for commands that never call it (STYLE item 4).
 * Errors are recognised by the `name` and `status` the SDK's classes set (core/error.js).
 */
import { ANTHROPIC_IDS, type IdRule } from "./_ids.js";
import { RunStopped } from "./_stopped.js";
import { RunError } from "./errors.js";
import { redactSecrets } from "./redact.js";

/** What the runner needs from an SDK error. */
export interface ApiFailure {
  /** HTTP status; `undefined` when no answer came (connection error, timeout, abort). */
  status: number | undefined;
  /** The error type of the body, e.g. `"rate_limit_error"`. */
  type: string | null;
  /** The API's message, or the SDK's. */
  message: string;
  /** The `request-id` of the answer, for support. */
  requestId: string | null;
  /** Milliseconds the API asked to wait (`retry-after-ms`, `retry-after`), when it did. */
  retryAfterMs: number | null;
  /** The request was aborted by our own signal. */
  aborted: boolean;
}

/** Reads an error thrown by an SDK call. */
export function apiFailure(error: unknown): ApiFailure {
  const e = (error ?? {}) as {
    name?: string;
    status?: unknown;
    type?: unknown;
    apiMessage?: unknown;
    message?: unknown;
    requestID?: unknown;
    headers?: { get?: (name: string) => string | null };
    /** A backend's own error (`BackendCallError`, `backend.ts`) gives the wait directly. */
    retryAfterMs?: unknown;
  };
  const status = typeof e.status === "number" ? e.status : undefined;
  const header = (name: string) =>
    typeof e.headers?.get === "function" ? e.headers.get(name) : null;
  let retryAfterMs: number | null = null;
  const ms = Number(header("retry-after-ms"));
  const seconds = Number(header("retry-after"));
  if (typeof e.retryAfterMs === "number" && Number.isFinite(e.retryAfterMs)) {
    retryAfterMs = e.retryAfterMs;
  } else if (header("retry-after-ms") !== null && Number.isFinite(ms)) retryAfterMs = ms;
  else if (header("retry-after") !== null && Number.isFinite(seconds))
    retryAfterMs = seconds * 1000;
  return {
    status,
    type: typeof e.type === "string" ? e.type : null,
    message:
      typeof e.apiMessage === "string"
        ? e.apiMessage
        : typeof e.message === "string"
          ? e.message
          : String(error),
    requestId: typeof e.requestID === "string" ? e.requestID : null,
    retryAfterMs,
    aborted: e.name === "APIUserAbortError" || e.name === "AbortError" || e.name === "RunStopped",
  };
}

/**
 * What a failed create means for the batch:
 * - `"not-created"`: the API refused it before doing anything (429 rate limit, 529 overloaded):
 *   wait and create again;
 * - `"refused"`: the API refused it for good (400, 401, 403, 404, 413 and other 4xx): stop;
 * - `"unknown"`: no answer, or a 5xx: the batch may exist; look for it before creating again.
 */
export function createOutcome(failure: ApiFailure): "not-created" | "refused" | "unknown" {
  const { status } = failure;
  if (status === 429 || status === 529) return "not-created";
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 409) {
    return "refused";
  }
  return "unknown";
}

/** What the runner was doing, for the message. */
export interface FailureContext {
  /** e.g. "creating batch 3 (wave 1)", "polling batch msgbatch_…". */
  doing: string;
  /** The plan folder, for the resume hint. */
  planDir: string;
  /** The batch id, for 404s on a batch. */
  batchId?: string;
  /** Retries made before giving up, for the message. */
  retries?: number;
  /**
   * The batch system called (the run's backend): its name and the variable that points its
   * client at another server, named in the advice. Absent: the Anthropic API.
   */
  system?: Pick<IdRule, "name" | "endpointEnv">;
  /** The client's key and token: redacted from the message (see `redact.ts`). */
  secrets?: readonly string[];
}

/**
 * The SDK's error reduced to what is safe to keep as `cause`: its name, status and redacted
 * message. The SDK's own error holds the response body and headers, which a proxy may have filled
 * with the request's API key, and `console.error(error)` prints a cause in full.
 */
function safeCause(error: unknown, secrets: readonly string[] | undefined): Error {
  const e = error as { name?: unknown; message?: unknown; status?: unknown };
  const cause = new Error(redactSecrets(String(e?.message ?? error), secrets));
  cause.name = typeof e?.name === "string" ? e.name : "Error";
  if (typeof e?.status === "number") Object.assign(cause, { status: e.status });
  return cause;
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A {@link RunError} whose message says what failed, why, and what to do (STYLE item 13). Never
 * includes a header or the API key: only the status, the error type, the API's message and the
 * request id, redacted (a server or proxy may echo the request's headers in its message). A
 * {@link RunStopped} is returned as it is: the run was stopped, nothing failed.
 */
export function explainFailure(error: unknown, context: FailureContext): RunError | RunStopped {
  if (error instanceof RunStopped) return error;
  const f = apiFailure(error);
  // The SDK's own messages end with a period ("Connection error."): one period, not two.
  const what = `${f.status ?? "no answer"}${f.type ? ` ${f.type}` : ""}: ${f.message.replace(/\.+$/, "")}`;
  const id = f.requestId ? ` (request-id ${f.requestId})` : "";
  const tried =
    context.retries === undefined
      ? "even after retries"
      : `after ${context.retries} ${context.retries === 1 ? "retry" : "retries"} (\`--max-retries\`)`;
  const resume = `The run's state is saved; \`cacheplan submit ${context.planDir}\` resumes where it stopped.`;
  const system = context.system ?? ANTHROPIC_IDS;
  const anthropic = system.endpointEnv === ANTHROPIC_IDS.endpointEnv;
  let advice: string;
  switch (true) {
    case f.status === 401 && !anthropic:
      advice = `${upperFirst(system.name)} refused the credentials: check the key or credentials its SDK reads.`;
      break;
    case f.status === 401:
      advice =
        "The API key was refused: set `ANTHROPIC_API_KEY` to a valid key of the workspace that owns the batches (Claude Console → API keys).";
      break;
    case f.status === 403 && !anthropic:
      advice = `The credentials may not do this on ${system.name}: check the permissions of the key, account or role they belong to.`;
      break;
    case f.status === 403:
      advice =
        "The key may not do this: check that it belongs to the workspace of the batches and that the workspace may use the Message Batches API.";
      break;
    case f.status === 404 && context.batchId !== undefined:
      advice = `Batch ${context.batchId} was not found: it was deleted, or the key belongs to another workspace than the one that created it (batches are per workspace). Use the key of that workspace.`;
      break;
    case f.status === 404:
      advice = `Not found: check \`${system.endpointEnv}\` (unset it for ${system.name}).`;
      break;
    case f.status === 413 && !anthropic:
      advice = `The batch is too large for ${system.name}: plan again with smaller \`--max-bytes\` or \`--max-requests\`.`;
      break;
    case f.status === 413:
      advice =
        "The batch is too large for the API (100,000 requests or 256 MB): plan again with smaller `--max-bytes` or `--max-requests`.";
      break;
    case f.status === 402:
      advice = "Billing refused the call: check the organization's credit and spend limits.";
      break;
    case f.status === 429:
      advice = `Rate limited ${tried}: the batch endpoints share one requests-per-minute limit per organization. Wait a minute, or lower \`--concurrency\`.`;
      break;
    case f.status === 400:
      advice = "The API refused the request as invalid; fix what the message names and plan again.";
      break;
    case f.status !== undefined && f.status >= 500:
      advice = `The API is failing or overloaded (${tried}); try again in a few minutes.`;
      break;
    case f.status === undefined:
      advice = `No answer from ${system.name} (connection refused, reset or timed out, ${tried}): check the network and \`${system.endpointEnv}\`; \`--timeout\` sets how long a call may take.`;
      break;
    default:
      advice = "See the API's message.";
  }
  const message = `Failed ${context.doing}: ${what}${id}. ${advice} ${resume}`;
  return new RunError("api", redactSecrets(message, context.secrets), {
    cause: safeCause(error, context.secrets),
    status: f.status,
  });
}
