/**
 * HTTP plumbing of the emulator (internal): listening on loopback, reading bodies with a size
 * limit, finding the API key, and writing replies (JSON, or JSONL streamed with backpressure).
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

/** Reads a body up to `max` bytes; past that, the rest is drained and `tooLarge` is set. */
export function readBody(
  request: IncomingMessage,
  max: number,
): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(request.headers["content-length"] ?? 0) > max;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    request.on("end", () =>
      resolve({ text: tooLarge ? "" : Buffer.concat(chunks).toString("utf8"), tooLarge }),
    );
    request.on("error", reject);
  });
}

/** The API key of a request: `x-api-key`, or the bearer token (how SDK 1.12.0 sends `apiKey`). */
export function hasApiKey(request: IncomingMessage): boolean {
  const key = request.headers["x-api-key"];
  if (typeof key === "string" && key.trim() !== "") return true;
  const auth = request.headers.authorization;
  return typeof auth === "string" && /^Bearer\s+\S/.test(auth);
}

export async function send(
  response: ServerResponse,
  reply: Reply,
  requestId: string,
): Promise<void> {
  const headers = { "request-id": requestId, ...reply.headers };
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
  response.writeHead(reply.status, { ...headers, "content-type": "application/binary" });
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
