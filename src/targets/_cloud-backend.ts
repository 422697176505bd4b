/**
 * What the Vertex and Bedrock runner backends share (internal): turning an SDK error into one the
 * runner reads (`BackendCallError` with `status` and `type`), an upload location per batch under
 * the user's bucket, the time scale of a local emulator, JSONL text from planned requests, and the
 * parts of `create`, `results`, `list` and `newest` that do not depend on the cloud.
 */
import path from "node:path";
import type { BatchInfo, CallOptions, CreateInput, CreateOutcome } from "../run/backend.js";
import { BackendCallError } from "../run/backend.js";
import { timeScaleOf } from "../run/clock.js";
import type { BatchRequest } from "../types.js";
import type { PlannedRecord, Target } from "./target.js";

/** The status of an SDK error: AWS `$metadata.httpStatusCode`, Google `code`/`status`, or none. */
function statusOf(error: unknown): number | undefined {
  const e = (error ?? {}) as {
    $metadata?: { httpStatusCode?: unknown };
    status?: unknown;
    code?: unknown;
  };
  for (const v of [e.$metadata?.httpStatusCode, e.status, e.code])
    if (typeof v === "number" && v >= 100 && v < 600) return v;
  // @google/genai ApiError messages start with the JSON error: `got status: 404 Not Found. {...}`.
  const m = /status:? (\d{3})/.exec(String((error as { message?: unknown })?.message ?? ""));
  return m ? Number(m[1]) : undefined;
}

/** Runs an SDK call; a failure becomes a `BackendCallError` (aborts pass through unchanged). */
export async function sdkCall<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const name = (error as { name?: unknown })?.name;
    if (name === "AbortError" || name === "RunStopped") throw error;
    const status = statusOf(error);
    const message = String((error as { message?: unknown })?.message ?? error);
    throw new BackendCallError(`${what}: ${message}`, {
      status,
      type: typeof name === "string" && name !== "Error" ? name : null,
      cause: error,
    });
  }
}

/** A `gs://` or `s3://` location split into bucket and key prefix (ending in `/` or empty). */
export function splitBucketUri(
  uri: string,
  scheme: "gs" | "s3",
): { bucket: string; prefix: string } | undefined {
  const m = new RegExp(`^${scheme}://([^/]+)/?(.*)$`).exec(uri);
  if (!m) return undefined;
  const prefix = m[2]!.replace(/\/+$/, "");
  return { bucket: m[1]!, prefix: prefix === "" ? "" : `${prefix}/` };
}

/** Where batch `tag` goes: `<prefix>cacheplan/<tag>/input/<file>` and `…/output/`. */
export function batchKeys(prefix: string, tag: string, file: string) {
  const base = `${prefix}cacheplan/${tag}/`;
  return { input: `${base}input/${path.basename(file)}`, output: `${base}output/` };
}

/** The batch file's requests as the target's JSONL text (`toLine`: the target's record format). */
export function targetJsonl(
  toLine: Target["format"]["toLine"],
  requests: readonly BatchRequest[],
): string {
  return requests.map((r) => `${JSON.stringify(toLine(r as unknown as PlannedRecord))}\n`).join("");
}

/** The time scale to poll on: the configured one for a loopback endpoint, else none. */
export function scaleFor(
  endpoint: string | undefined,
  scale: number | undefined,
): number | undefined {
  if (endpoint === undefined || scale === undefined) return undefined;
  const s = timeScaleOf(endpoint, { get: () => String(scale) });
  return s > 1 ? s : undefined;
}

/** A JSONL text's lines parsed (blank lines skipped); a line that is not JSON is kept as text. */
export function jsonLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        return l;
      }
    });
}

/** Tags cacheplan gives batches (`adoptionTag`), to recognise its own jobs. */
export const TAG_PATTERN = /^cacheplan-[0-9a-f]{12}-\d{4,}$/;

/** The one model of a batch's requests, or `undefined` when they mix models (or there are none). */
export function oneModelOf(requests: readonly BatchRequest[]): string | undefined {
  const models = new Set(requests.map((r) => String(r.params.model)));
  return models.size === 1 ? [...models][0] : undefined;
}

/** Where and as what a batch goes: its bucket, its file's keys ({@link batchKeys}), its one model. */
export interface BatchPlace {
  bucket: string;
  keys: { input: string; output: string };
  model: string;
}

/**
 * What `create` settles before any call: the batch's place under `bucket` (a `scheme://` location)
 * and its one model. A missing setting (`ready` false, or no usable bucket) throws `missing`; a
 * batch that mixes models throws (a job takes one model: other-batch-systems.md §2.2, §3.2). Both
 * are 400 `invalid_request_error`, which the runner does not retry.
 */
export function placeBatch(
  input: CreateInput,
  where: { bucket: string | undefined; scheme: "gs" | "s3"; ready: boolean; missing: string },
  job: { noun: string; target: string },
): BatchPlace {
  const at = where.bucket ? splitBucketUri(where.bucket, where.scheme) : undefined;
  const invalid = { status: 400, type: "invalid_request_error" };
  if (!at || !where.ready) throw new BackendCallError(where.missing, invalid);
  const model = input.model ?? oneModelOf(input.requests);
  if (model === undefined)
    throw new BackendCallError(
      `The batch mixes models, but a ${job.noun} takes one: plan again with \`--target ${job.target}\`.`,
      invalid,
    );
  return { bucket: at.bucket, keys: batchKeys(at.prefix, input.tag, input.file), model };
}

/** `createOutcome` of a backend that uploads first: a failed `upload` call created nothing. */
export function notCreatedIfFailed(upload: string): (error: unknown) => CreateOutcome | undefined {
  return (error) =>
    error instanceof BackendCallError && error.message.startsWith(`${upload}:`)
      ? "not-created"
      : undefined;
}

/** Result lines read in full, as the iterable `results` answers. */
export async function* yieldAll(lines: readonly unknown[]): AsyncIterable<unknown> {
  yield* lines;
}

/** `list` and `newest` of a backend whose `listJobs` answers its recent jobs newest first. */
export function newestFirst(listJobs: (o: CallOptions) => Promise<BatchInfo[]>) {
  return {
    list: (_since: string | null, o: CallOptions) => listJobs(o),
    async newest(o: CallOptions): Promise<string | null> {
      return (await listJobs(o))[0]?.id ?? null;
    },
  };
}
