/**
 * The emulator's API surface (internal): error envelopes, ids, request validation as the API does
 * it (synchronous 400s for the batch body, asynchronous `errored` results for `params`), and the
 * deterministic text of emulated responses.
 *
 * Reference: shared/reference/anthropic-caching-and-batches.md §4 (pre-warming), §5 (batches),
 * §6 (count_tokens).
 */
import type Anthropic from "@anthropic-ai/sdk";
import { sampleText } from "../sample.js";
import { CUSTOM_ID_PATTERN } from "../targets/anthropic/format.js";
import { fnv1a32 } from "../util/hash.js";
import { isObject, type Json } from "../util/json.js";
import { seededRandom } from "../util/random.js";

/** The error types the emulator answers with; `request_too_large` is the API's 413 (fact 11). */
export type ApiErrorType = Anthropic.ErrorType | "request_too_large";

/** One server-sent event of a streaming Messages reply. */
export interface SseEvent {
  /** The SSE event name, equal to `data.type`. */
  event: string;
  data: unknown;
}

/** A reply the HTTP layer writes: a JSON body, JSONL lines streamed in chunks, or SSE events. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  lines?: Iterable<string>;
  events?: readonly SseEvent[];
}

/** The API's error envelope: `{"type":"error","error":{"type","message"},"request_id"}`. */
export function errorReply(
  status: number,
  type: ApiErrorType,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  // `request_id` is filled in by the HTTP layer, which owns the request's id.
  return { status, headers, json: { type: "error", error: { type, message }, request_id: null } };
}

/** A 400 `invalid_request_error`. */
export function invalid(message: string): Reply {
  return errorReply(400, "invalid_request_error", message);
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The kinds of ids, each from its own stream. */
export type IdKind = "msgbatch" | "msg" | "req" | "result";

/**
 * Ids shaped like the API's (`msgbatch_01…`, `msg_01…`, `req_01…`), one seeded stream per kind,
 * so that the number of polls (each gets a `req_` id) does not change batch and message ids.
 */
export class IdSource {
  readonly #streams: Record<IdKind, () => number>;

  constructor(seed: number) {
    this.#streams = {
      msgbatch: seededRandom(seed ^ 0x1d5_0e11),
      msg: seededRandom(seed ^ 0x1d5_0e12),
      req: seededRandom(seed ^ 0x1d5_0e13),
      result: seededRandom(seed ^ 0x1d5_0e14),
    };
  }

  /** A fresh id; `"result"` gives the `req_` ids of `errored` results, from their own stream. */
  next(kind: IdKind): string {
    const random = this.#streams[kind];
    let id = `${kind === "result" ? "req" : kind}_01`;
    for (let i = 0; i < 22; i++) id += BASE62[Math.floor(random() * 62)];
    return id;
  }
}

/** Words of emulated text per output token (English prose runs about 0.75). */
const WORDS_PER_TOKEN = 0.75;
/** Cap on the words of one emulated response, so 100,000 results stay small. */
const MAX_WORDS = 60;

/**
 * Replaces the text of a simulated message with seeded prose: the same seed and key give the
 * same words. Usage is left as the cache model computed it.
 */
export function withEmulatedText(
  message: Anthropic.Messages.Message,
  seed: number,
  key: string,
): Anthropic.Messages.Message {
  if (message.content.length === 0) return message;
  const words = Math.max(
    1,
    Math.min(MAX_WORDS, Math.round(message.usage.output_tokens * WORDS_PER_TOKEN)),
  );
  const text = sampleText(seededRandom(fnv1a32(`${seed}:${key}`)), words);
  // No `citations` key: recorded responses omit keys without a value (issue 12 item 3).
  return { ...message, content: [{ type: "text", text } as Anthropic.Messages.TextBlock] };
}

/** What a batch create body holds once it passed the synchronous checks. */
export type CreateCheck =
  | { ok: true; requests: Anthropic.Messages.Batches.BatchCreateParams.Request[] }
  | { ok: false; reply: Reply };

/**
 * The synchronous checks of `POST /v1/messages/batches`: the body's shape, the number of
 * requests (fact 11: 100,000, answered with a 413 `request_too_large`), and every `custom_id`
 * (fact 12: `^[a-zA-Z0-9_-]{1,64}$`, unique within the batch). `params` is checked only for being
 * an object: the API validates the rest after the batch ends (fact 13, §5.4).
 */
export function checkCreateBody(body: unknown, maxRequests: number): CreateCheck {
  const fail = (reply: Reply): CreateCheck => ({ ok: false, reply });
  if (!isObject(body)) return fail(invalid("The request body must be a JSON object."));
  const { requests } = body;
  if (requests === undefined) return fail(invalid("requests: Field required"));
  if (!Array.isArray(requests)) return fail(invalid("requests: Input should be a valid list"));
  if (requests.length === 0) {
    return fail(invalid("requests: List should have at least 1 item after validation, not 0"));
  }
  if (requests.length > maxRequests) {
    return fail(
      errorReply(
        413,
        "request_too_large",
        `A Message Batch holds at most ${maxRequests} requests; this one has ${requests.length}. Split it into several batches.`,
      ),
    );
  }
  const seen = new Set<string>();
  for (const [i, item] of requests.entries()) {
    if (!isObject(item)) return fail(invalid(`requests.${i}: Input should be a valid object`));
    const id = item.custom_id;
    if (typeof id !== "string") {
      return fail(invalid(`requests.${i}.custom_id: Field required (a string)`));
    }
    if (!CUSTOM_ID_PATTERN.test(id)) {
      return fail(
        invalid(
          `requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$', got ${JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id)}`,
        ),
      );
    }
    if (seen.has(id)) {
      return fail(
        invalid(
          `requests.${i}.custom_id: Duplicate custom_id ${JSON.stringify(id)}; each custom_id must be unique within a Message Batch.`,
        ),
      );
    }
    seen.add(id);
    if (!isObject(item.params)) {
      return fail(invalid(`requests.${i}.params: Input should be a valid object`));
    }
  }
  return { ok: true, requests: requests as Anthropic.Messages.Batches.BatchCreateParams.Request[] };
}

/**
 * The 400s of a `max_tokens: 0` pre-warm on `POST /v1/messages`: it is refused with `stream`,
 * extended thinking, `output_config.format`, or a forced `tool_choice` (reference §4, PC-zh §限制).
 */
export function prewarmError(params: Json): string | null {
  if (params.max_tokens !== 0) return null;
  if (params.stream === true) {
    return "max_tokens: 0 (cache pre-warming) cannot be combined with `stream: true`.";
  }
  const thinking = params.thinking;
  if (isObject(thinking) && thinking.type === "enabled") {
    return 'max_tokens: 0 (cache pre-warming) cannot be combined with `thinking.type: "enabled"`.';
  }
  const output = params.output_config;
  if (isObject(output) && output.format != null) {
    return "max_tokens: 0 (cache pre-warming) cannot be combined with `output_config.format`.";
  }
  const choice = params.tool_choice;
  if (isObject(choice) && (choice.type === "tool" || choice.type === "any")) {
    return `max_tokens: 0 (cache pre-warming) cannot be combined with \`tool_choice\` of type "${choice.type}".`;
  }
  return null;
}
