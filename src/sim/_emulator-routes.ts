/**
 * The emulator's routes (internal): each endpoint of the SDK, its checks and its reply. The HTTP
 * layer (`emulator.ts`) has already handled faults, the API key and the body size.
 *
 * Where the API's behaviour is not documented, the choice is stated at the route.
 */

import { JsonSizer } from "../request/json-size.js";
import type { BatchRequest } from "../types.js";
import { isObject } from "../util/json.js";
import { checkCreateBody, errorReply, invalid, prewarmError, type Reply } from "./_emulator-api.js";
import { type BatchRun, resultLines } from "./_emulator-batch.js";
import type { EmulatorEngine } from "./_emulator-engine.js";
import { messageEvents } from "./_emulator-stream.js";
import { countTokensRejection, paramsRejection, type Rejection } from "./_emulator-validate.js";

/** The emulator's routes, named after the SDK methods that call them. */
export const EMULATOR_ROUTES = [
  "batches.create",
  "batches.retrieve",
  "batches.list",
  "batches.cancel",
  "batches.delete",
  "batches.results",
  "messages.create",
  "messages.countTokens",
] as const;

/** A route of the emulator, named after the SDK method that calls it. */
export type EmulatorRoute = (typeof EMULATOR_ROUTES)[number];

/** A matched request line. */
export interface RouteMatch {
  route: EmulatorRoute | "unknown";
  /** The batch id in the path, for the routes that have one. */
  id?: string;
  /** The path exists but not with this method. */
  wrongMethod?: boolean;
}

/** What a route needs besides the match. */
export interface RouteContext {
  engine: EmulatorEngine;
  body: string;
  query: URLSearchParams;
  workspace: string;
  now: () => number;
  baseUrl: string;
  maxBatchRequests: number;
  /** Most requests queued across unfinished batches; `null` for no limit. */
  maxQueued: number | null;
  /** What the processing queue saw, for tests that assert a runner stays within it. */
  queue: QueueRecord;
  /** Most bytes of one Messages request: a batch item above it is refused unrun. */
  maxMessageBytes: number;
}

/** The processing queue as the emulator saw it (`EmulatorStats.queue`). */
export interface QueueRecord {
  /** Most requests ever queued (waiting or running) across unfinished batches, just after a create. */
  peak: number;
  /** Most requests ever in unfinished batches (whole batches, ended or not), just after a create. */
  peakInBatches: number;
  /** Creates refused with 429 for the queue limit. */
  refused: number;
}

/** Requests of every unfinished batch, whole (what a runner that counts batches sees). */
function inUnfinishedBatches(engine: EmulatorEngine, now: number): number {
  engine.advanceTo(now);
  let n = 0;
  for (const run of engine.batches.live()) if (!engine.isEnded(run)) n += run.size;
  return n;
}

/** Records the queue just after a create (`QueueRecord`). */
function noteQueue(ctx: RouteContext): void {
  const now = ctx.now();
  ctx.queue.peak = Math.max(ctx.queue.peak, ctx.engine.queuedRequests(now));
  ctx.queue.peakInBatches = Math.max(ctx.queue.peakInBatches, inUnfinishedBatches(ctx.engine, now));
}

/**
 * Seconds in the `retry-after` of a create refused for the processing queue. The API's value is
 * not documented; a minute is the longest the SDK honours as given (client.js `retryRequest()`).
 */
export const QUEUE_RETRY_AFTER_SECONDS = 60;

/** List page size: 20 by default, 1,000 at most (reference §5.1, a secondary source). */
const LIST_DEFAULT_LIMIT = 20;
const LIST_MAX_LIMIT = 1000;

const BATCH_PATH = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?\/?$/;

export function matchRoute(method: string, path: string): RouteMatch {
  const is = (m: string, route: EmulatorRoute, id?: string): RouteMatch => {
    const match: RouteMatch = { route };
    if (id !== undefined) match.id = id;
    if (method !== m) match.wrongMethod = true;
    return match;
  };
  const p = path.length > 1 ? path.replace(/\/$/, "") : path;
  if (p === "/v1/messages") return is("POST", "messages.create");
  if (p === "/v1/messages/count_tokens") return is("POST", "messages.countTokens");
  if (p === "/v1/messages/batches") {
    return method === "POST" ? { route: "batches.create" } : is("GET", "batches.list");
  }
  const m = BATCH_PATH.exec(p);
  if (m === null) return { route: "unknown" };
  const id = decodeURIComponent(m[1]!);
  if (m[2] === "/cancel") return is("POST", "batches.cancel", id);
  if (m[2] === "/results") return is("GET", "batches.results", id);
  return method === "DELETE" ? { route: "batches.delete", id } : is("GET", "batches.retrieve", id);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reply: Reply } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      reply: invalid(`The request body is not valid JSON: ${(error as Error).message}`),
    };
  }
}

function notFound(id: string): Reply {
  return errorReply(404, "not_found_error", `No Message Batch with id ${JSON.stringify(id)}.`);
}

export async function handleRoute(match: RouteMatch, ctx: RouteContext): Promise<Reply> {
  const { engine } = ctx;
  if (match.route === "unknown") {
    return errorReply(
      404,
      "not_found_error",
      "Not found: the emulator serves /v1/messages, /v1/messages/count_tokens and /v1/messages/batches.",
    );
  }
  if (match.wrongMethod) {
    return errorReply(
      405,
      "invalid_request_error",
      `This method is not allowed on the path of \`${match.route}\`.`,
    );
  }
  switch (match.route) {
    case "batches.create":
      return create(ctx);
    case "batches.list":
      return list(ctx);
    case "messages.create":
      return message(ctx);
    case "messages.countTokens":
      return countTokens(ctx);
    default:
      break;
  }
  const id = match.id ?? "";
  const run = engine.batches.get(id, ctx.workspace);
  if (run === undefined) return notFound(id);
  engine.advanceTo(ctx.now());
  switch (match.route) {
    case "batches.retrieve":
      return { status: 200, json: engine.view(run, ctx.baseUrl) };
    case "batches.cancel":
      return cancel(ctx, run);
    case "batches.delete":
      return remove(ctx, run);
    case "batches.results":
      return results(ctx, run);
  }
}

async function create(ctx: RouteContext): Promise<Reply> {
  const parsed = parseJson(ctx.body);
  if (!parsed.ok) return parsed.reply;
  const checked = checkCreateBody(parsed.value, ctx.maxBatchRequests);
  if (!checked.ok) return checked.reply;
  const full = queueFull(ctx, checked.requests.length);
  if (full !== null) return full;
  const refused = oversized(checked.requests, ctx.maxMessageBytes);
  const counted = checked.requests.filter((_, i) => !refused.has(i));
  const tokensOf = await ctx.engine.tokensFor(counted);
  // The clock is read after counting, so the batch is created at the moment it is answered.
  const run = ctx.engine.createBatch(checked.requests, ctx.workspace, tokensOf, ctx.now(), refused);
  noteQueue(ctx);
  return { status: 200, json: ctx.engine.view(run, ctx.baseUrl) };
}

/**
 * The 429 of a create that would put more requests in the processing queue than `maxQueued`
 * (reference §5.6: "Max batch requests in processing queue", 200,000 / 300,000 / 500,000 by
 * tier, counted across all active batches), with the API's error shape, `retry-after` and
 * `x-should-retry: true`. The documented `anthropic-ratelimit-*` headers describe request and
 * token rates, not the queue, so they are not sent here.
 */
function queueFull(ctx: RouteContext, adding: number): Reply | null {
  if (ctx.maxQueued === null) return null;
  const queued = ctx.engine.queuedRequests(ctx.now());
  if (queued + adding <= ctx.maxQueued) return null;
  ctx.queue.refused += 1;
  return errorReply(
    429,
    "rate_limit_error",
    `Number of batch requests in the processing queue would exceed your limit of ${ctx.maxQueued}: ${queued} are queued in unfinished batches and this batch adds ${adding}. Wait for batches to end, or split this one.`,
    { "retry-after": String(QUEUE_RETRY_AFTER_SECONDS), "x-should-retry": "true" },
  );
}

/**
 * Batch items larger than one Messages request may be (32 MB, https://docs.claude.com/en/api/errors
 * "Request size limits"), with the message of their `errored` result. Decision (what the API
 * does with such an item is not documented): it is refused like a prompt that cannot fit, without
 * being tokenized, so that a 255 MB string in a 256 MB batch never reaches the token counter.
 */
function oversized(requests: readonly BatchRequest[], max: number): Map<number, string> {
  const sizer = new JsonSizer();
  const refused = new Map<number, string>();
  for (const [i, request] of requests.entries()) {
    const bytes = sizer.bytes(request.params);
    if (bytes <= max) continue;
    refused.set(
      i,
      `prompt is too long: the params of this request are ${bytes} bytes, more than the ${max} a Messages request may have; shorten it.`,
    );
  }
  return refused;
}

/**
 * Newest first. `after_id` gives the page of older batches after the cursor, `before_id` the page
 * of newer ones before it (the SDK's `Page` pages with `last_id` and `first_id`). Decisions (not
 * documented): both cursors at once, a `limit` outside 1 to 1,000 and a cursor id that never
 * existed are 400s; a deleted batch still works as a cursor.
 */
function list(ctx: RouteContext): Reply {
  const { query, engine } = ctx;
  const rawLimit = query.get("limit");
  const limit = rawLimit === null ? LIST_DEFAULT_LIMIT : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
    return invalid(
      `limit: Input should be an integer from 1 to ${LIST_MAX_LIMIT}, got ${JSON.stringify(rawLimit)}`,
    );
  }
  const afterId = query.get("after_id");
  const beforeId = query.get("before_id");
  if (afterId !== null && beforeId !== null) {
    return invalid("Give at most one of `after_id` and `before_id`.");
  }
  const cursorId = afterId ?? beforeId;
  const cursor: { afterSeq?: number; beforeSeq?: number } = {};
  if (cursorId !== null) {
    const run = engine.batches.cursor(cursorId);
    if (run === undefined) {
      return invalid(
        `${afterId !== null ? "after_id" : "before_id"}: no Message Batch with id ${JSON.stringify(cursorId)}`,
      );
    }
    if (afterId !== null) cursor.afterSeq = run.seq;
    else cursor.beforeSeq = run.seq;
  }
  engine.advanceTo(ctx.now());
  const page = engine.batches.list(ctx.workspace, limit, cursor);
  const data = page.runs.map((run) => engine.view(run, ctx.baseUrl));
  return {
    status: 200,
    json: {
      data,
      has_more: page.hasMore,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
    },
  };
}

/**
 * "Immediately after cancellation, a batch's processing_status will be canceling"
 * (https://docs.anthropic.com/en/api/messages-batch-examples#canceling-a-message-batch), also
 * when nothing is in flight. Decisions (not documented): a repeated cancel returns the batch as
 * it is, `canceling` or already `ended` after the first cancel, so a retried cancel succeeds;
 * canceling a batch that ended on its own is a 400 ("Batches may be canceled any time before
 * processing ends", SDK-B 100-124).
 */
function cancel(ctx: RouteContext, run: BatchRun): Reply {
  if (!ctx.engine.cancel(run, ctx.now())) {
    return invalid(
      `Message Batch ${run.id} has already ended; only a batch in progress can be canceled.`,
    );
  }
  return { status: 200, json: ctx.engine.view(run, ctx.baseUrl) };
}

/**
 * Only an ended batch can be deleted (SDK-B 81-99: "cancel it first"). Decision: a batch still in
 * progress or canceling is a 400 `invalid_request_error`, not a 409, because the SDK retries 409s
 * (client.js `shouldRetry()`) and a retry cannot help.
 */
function remove(ctx: RouteContext, run: BatchRun): Reply {
  if (!ctx.engine.isEnded(run)) {
    const status = ctx.engine.view(run, ctx.baseUrl).processing_status;
    return invalid(
      `Message Batch ${run.id} is ${status}; only an ended batch can be deleted. Cancel it and wait until \`processing_status\` is "ended".`,
    );
  }
  ctx.engine.batches.delete(run);
  return { status: 200, json: { id: run.id, type: "message_batch_deleted" } };
}

/**
 * The results file, JSONL. Decisions (not documented): before the batch ends it is a 400 (the SDK
 * never asks: `results()` throws first when `results_url` is null); 29 days after `created_at`
 * (reference §5.2, `archived_at`) it is a 404.
 */
function results(ctx: RouteContext, run: BatchRun): Reply {
  if (!ctx.engine.isEnded(run)) {
    return invalid(
      `Message Batch ${run.id} has not finished processing; poll it until \`processing_status\` is "ended".`,
    );
  }
  if (ctx.engine.isArchived(run)) {
    return errorReply(
      404,
      "not_found_error",
      `The results of Message Batch ${run.id} are archived: results are kept 29 days after creation.`,
    );
  }
  return { status: 200, lines: resultLines(run) };
}

function rejectionReply(rejection: Rejection): Reply {
  return errorReply(rejection.status, rejection.type, rejection.message);
}

/**
 * `POST /v1/messages`: the same checks as the planner plus the API's own (unknown fields,
 * sampling parameters, unknown models), then one request through the cache model. With
 * `stream: true` the response is server-sent events (issue 12 item 2).
 */
async function message(ctx: RouteContext): Promise<Reply> {
  const parsed = parseJson(ctx.body);
  if (!parsed.ok) return parsed.reply;
  const params = parsed.value;
  if (!isObject(params)) return invalid("The request body must be a JSON object.");
  const rejected = paramsRejection(params, ctx.engine.models, "messages");
  if (rejected !== null) return rejectionReply(rejected);
  const prewarm = prewarmError(params);
  if (prewarm !== null) return invalid(prewarm);
  const request = { custom_id: "message", params } as unknown as BatchRequest;
  const tokensOf = await ctx.engine.tokensFor([request]);
  const outcome = ctx.engine.message(params, ctx.workspace, tokensOf, ctx.now());
  if (!outcome.ok) return invalid(outcome.message);
  if (params.stream === true) return { status: 200, events: messageEvents(outcome.message) };
  return { status: 200, json: outcome.message };
}

async function countTokens(ctx: RouteContext): Promise<Reply> {
  const parsed = parseJson(ctx.body);
  if (!parsed.ok) return parsed.reply;
  const rejected = countTokensRejection(parsed.value, ctx.engine.models);
  if (rejected !== null) return rejectionReply(rejected);
  const params = parsed.value as Record<string, unknown>;
  const request = { custom_id: "count", params } as unknown as BatchRequest;
  const tokensOf = await ctx.engine.tokensFor([request]);
  return { status: 200, json: { input_tokens: ctx.engine.countTokens(params, tokensOf) } };
}
