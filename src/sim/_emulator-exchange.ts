/**
 * One HTTP exchange of the emulator (internal): the key check, the body limit of the route, an
 * injected fault, the route's reply, and the request line of the log.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { errorReply, type Reply } from "./_emulator-api.js";
import type { EmulatorEngine } from "./_emulator-engine.js";
import type { FaultInjector } from "./_emulator-faults.js";
import { declaredTooLarge, discardBody, hasApiKey, readBody, send } from "./_emulator-http.js";
import {
  type EmulatorRoute,
  handleRoute,
  matchRoute,
  type QueueRecord,
} from "./_emulator-routes.js";

/** The size limits of the emulator's endpoints, in requests and bytes. */
export interface EmulatorLimits {
  maxBatchRequests: number;
  maxBodyBytes: number;
  maxMessageBodyBytes: number;
  maxQueued: number | null;
}

/** What every exchange shares: the engine, the clock, the faults, the counters. */
export interface ExchangeContext {
  engine: EmulatorEngine;
  faults: FaultInjector;
  limits: EmulatorLimits;
  /** The workspace of calls without an `anthropic-workspace-id` header. */
  workspace: string;
  now: () => number;
  baseUrl: () => string;
  /** HTTP requests received, per route. */
  requests: Record<EmulatorRoute | "unknown", number>;
  /** Exchanges whose response was dropped after being carried out. */
  lostResponses: Array<{ route: EmulatorRoute; batchId: string | null }>;
  /** The processing queue as it was seen (`EmulatorStats.queue`); made on first use. */
  queue?: QueueRecord;
  log: ((line: string) => void) | undefined;
}

/** The workspace a request names in its header, or the emulator's default. */
function workspaceOf(request: IncomingMessage, fallback: string): string {
  const header = request.headers["anthropic-workspace-id"];
  return typeof header === "string" && header !== "" ? header : fallback;
}

/** Answers one HTTP exchange. */
export async function exchange(
  ctx: ExchangeContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const requestId = ctx.engine.id("req");
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const match = matchRoute(request.method ?? "GET", url.pathname);
  ctx.requests[match.route] += 1;
  const log = (status: string) =>
    ctx.log?.(
      `${request.method} ${url.pathname} ${status} ${Math.round(performance.now() - started)}ms`,
    );
  // Issue 9 item 15: the key is checked before a byte of the body is read, and a body is never
  // held past its route's limit ("Request size limits", docs.claude.com/en/api/errors: 32 MB for
  // Messages and Token Counting, 256 MB for Batches; a 413 `request_too_large` above).
  if (!hasApiKey(request)) {
    discardBody(request);
    log("401");
    const reply = errorReply(401, "authentication_error", "x-api-key header is required");
    await send(response, reply, requestId);
    return;
  }
  const { limits } = ctx;
  const limit =
    match.route === "messages.create" || match.route === "messages.countTokens"
      ? limits.maxMessageBodyBytes
      : limits.maxBodyBytes;
  const tooLarge = errorReply(
    413,
    "request_too_large",
    `Request exceeds the maximum allowed number of bytes (${limit} on this endpoint)${match.route === "batches.create" ? "; split the batch" : ""}.`,
  );
  if (declaredTooLarge(request, limit)) {
    discardBody(request);
    log("413");
    await send(response, tooLarge, requestId);
    return;
  }
  const body = await readBody(request, limit);
  const fault = ctx.faults.draw(match.route);
  if (fault === "drop") {
    log("dropped (fault)");
    response.socket?.destroy();
    return;
  }
  let reply: Reply;
  if (fault === "429" || fault === "500" || fault === "529") {
    reply = ctx.faults.reply(fault);
  } else if (body.tooLarge) {
    reply = tooLarge;
  } else {
    reply = await handleRoute(match, {
      engine: ctx.engine,
      body: body.text,
      query: url.searchParams,
      workspace: workspaceOf(request, ctx.workspace),
      now: ctx.now,
      baseUrl: ctx.baseUrl(),
      maxBatchRequests: limits.maxBatchRequests,
      maxQueued: limits.maxQueued,
      queue: queueStatsOf(ctx),
      maxMessageBytes: limits.maxMessageBodyBytes,
    });
  }
  if (fault === "lost-response") {
    const created = match.route === "batches.create" && reply.status === 200;
    const batchId = created ? (reply.json as { id: string }).id : (match.id ?? null);
    ctx.lostResponses.push({ route: match.route as EmulatorRoute, batchId });
    log(`${reply.status}, response dropped (fault)`);
    response.socket?.destroy();
    return;
  }
  log(String(reply.status));
  await send(response, reply, requestId);
}

/** The context's queue record, made on first use. */
function queueStatsOf(ctx: ExchangeContext): QueueRecord {
  if (ctx.queue === undefined) ctx.queue = { peak: 0, peakInBatches: 0, refused: 0 };
  return ctx.queue;
}
