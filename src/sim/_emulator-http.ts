/**
 * HTTP plumbing of the emulator (internal): listening on loopback, reading bodies with a size
 * limit, finding the API key, and writing replies (JSON, JSONL streamed with backpressure, or
 * server-sent events).
 */
import type { createServer, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CacheplanError } from "../errors.js";
import type { Reply } from "./_emulator-api.js";

export function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EADDRINUSE"
          ? `port ${port} on 127.0.0.1 is in use; pick another \`port\` (\`--port\`), or 0 for a free one`
          : error.message;
      reject(
        new CacheplanError("emulator-listen", `Cannot start the emulator: ${why}.`, {
          cause: error,
        }),
      );
    };
    server.once("error", onError);
    // Loopback only: the emulator accepts any key and must never be reachable from elsewhere.
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Reads a body up to `max` bytes, counting bytes as they stream in. Past `max` (or when
 * `content-length` already says so) nothing more is kept: the rest is read and discarded so that
 * the client can finish sending and read the 413, and `tooLarge` is set. Nothing is decoded to a
 * string unless the whole body fits (issue 9 item 15: a 255 MB body must never be held as text).
 */
export function readBody(
  request: IncomingMessage,
  max: number,
): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declaredTooLarge(request, max);
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max && !tooLarge) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (!tooLarge) chunks.push(chunk);
    });
    request.on("end", () =>
      resolve({ text: tooLarge ? "" : Buffer.concat(chunks).toString("utf8"), tooLarge }),
    );
    request.on("error", reject);
  });
}

/** Whether the request's `content-length` is above `max`. */
export function declaredTooLarge(request: IncomingMessage, max: number): boolean {
  return Number(request.headers["content-length"] ?? 0) > max;
}

/** Reads and discards a body the emulator answers without looking at (no key, too large). */
export function discardBody(request: IncomingMessage): void {
  request.resume();
}

/** The API key of a request: `x-api-key`, or the bearer token (how SDK 1.12.0 sends `apiKey`). */
export function hasApiKey(request: IncomingMessage): boolean {
  const key = request.headers["x-api-key"];
  if (typeof key === "string" && key.trim() !== "") return true;
  const auth = request.headers.authorization;
  return typeof auth === "string" && /^Bearer\s+\S/.test(auth);
}

/**
 * `x-should-retry` of an error reply, unless the reply sets its own. Recorded API responses carry
 * it (a 429 with `x-should-retry: true`, anthropics/anthropic-sdk-typescript#357; a 500 with
 * `false`, anthropics/claude-code#35491), and the SDK obeys it before its own rules (client.js
 * `shouldRetry()`). The emulator says `true` where the SDK would retry anyway (408, 409, 429,
 * 5xx) and `false` for the other 4xx, which retrying cannot fix.
 */
function shouldRetry(status: number): string {
  return status === 408 || status === 409 || status === 429 || status >= 500 ? "true" : "false";
}

/**
 * The content type of the results file: `application/x-jsonl`, as the API reference documents the
 * 200 of `GET /v1/messages/batches/{id}/results` ("Retrieve Message Batch Results", OpenAPI
 * `response: '200': application/x-jsonl`; https://docs.claude.com/en/api/retrieving-message-batch-results).
 */
export const RESULTS_CONTENT_TYPE = "application/x-jsonl";

export async function send(
  response: ServerResponse,
  reply: Reply,
  requestId: string,
): Promise<void> {
  const headers: Record<string, string> = { "request-id": requestId, ...reply.headers };
  if (reply.status >= 400 && headers["x-should-retry"] === undefined) {
    headers["x-should-retry"] = shouldRetry(reply.status);
  }
  if (reply.events !== undefined) {
    // Server-sent events (streaming Messages, https://docs.claude.com/en/api/messages-streaming):
    // each event has its SSE name and the same `type` in its JSON data.
    response.writeHead(reply.status, {
      ...headers,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    for (const event of reply.events) {
      const frame = `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
      if (!response.write(frame)) await drained(response);
      if (response.destroyed) return;
    }
    response.end();
    return;
  }
  if (reply.lines === undefined) {
    let body = reply.json;
    if (
      typeof body === "object" &&
      body !== null &&
      (body as { type?: unknown }).type === "error"
    ) {
      body = { ...body, request_id: requestId };
    }
    response.writeHead(reply.status, { ...headers, "content-type": "application/json" });
    response.end(JSON.stringify(body));
    return;
  }
  response.writeHead(reply.status, { ...headers, "content-type": RESULTS_CONTENT_TYPE });
  let chunk = "";
  for (const line of reply.lines) {
    chunk += line;
    if (chunk.length >= 64 * 1024) {
      if (!response.write(chunk)) await drained(response);
      chunk = "";
      if (response.destroyed) return;
    }
  }
  response.end(chunk);
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}
