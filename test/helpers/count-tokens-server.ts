/**
 * A tiny stand-in for `POST /v1/messages/count_tokens` on 127.0.0.1 (an ephemeral port), for
 * testing the exact counter through the real SDK client (`baseURL`), with no network. It counts
 * tokens with {@link serverCount} and records every call.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

type Json = Record<string, unknown>;

/** Tokens every prompt carries (the API's own framing): makes the prefix subtraction visible. */
export const PROMPT_OVERHEAD = 3;
/** Tokens per message (role markers). */
export const MESSAGE_OVERHEAD = 1;
/** Tokens per tool definition, besides the words of its description. */
export const TOOL_OVERHEAD = 2;
/** Tokens of a content block that has no text (an image, a tool result, ...). */
export const OTHER_BLOCK = 5;

const words = (text: string) => (text.trim() === "" ? 0 : text.trim().split(/\s+/).length);

function blockTokens(block: unknown): number {
  if (typeof block === "string") return words(block);
  const b = block as Json;
  return typeof b?.text === "string" ? words(b.text) : OTHER_BLOCK;
}

/**
 * The server's count: {@link PROMPT_OVERHEAD}, plus the words of every system block, plus per tool
 * {@link TOOL_OVERHEAD} and the words of its description, plus per message
 * {@link MESSAGE_OVERHEAD} and the words of its text blocks ({@link OTHER_BLOCK} for others).
 */
export function serverCount(body: Json): number {
  let n = PROMPT_OVERHEAD;
  if (typeof body.system === "string") n += words(body.system);
  else if (Array.isArray(body.system)) for (const b of body.system) n += blockTokens(b);
  for (const tool of (body.tools as Json[] | undefined) ?? [])
    n += TOOL_OVERHEAD + words(String(tool.description ?? ""));
  for (const message of (body.messages as Json[] | undefined) ?? []) {
    n += MESSAGE_OVERHEAD;
    const content = message.content;
    if (typeof content === "string") n += words(content);
    else if (Array.isArray(content)) for (const b of content) n += blockTokens(b);
  }
  return n;
}

/** A running server. */
export interface CountTokensServer {
  /** Base URL for the SDK, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Request bodies received, in order. */
  calls: Json[];
  /** API key of every call (`x-api-key`, or the bearer token of `authorization`). */
  keys: string[];
  /** Most calls in flight at once. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

/** Options of the server. */
export interface CountTokensServerOptions {
  /** Answer every call with this HTTP status and an error body (which echoes the key it got). */
  failWith?: number;
  /** Delay of each answer in ms, so that concurrency can be observed. @default 0 */
  delayMs?: number;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      text += chunk;
    });
    request.on("end", () => resolve(text));
    request.on("error", reject);
  });
}

export async function startCountTokensServer(
  options: CountTokensServerOptions = {},
): Promise<CountTokensServer> {
  const calls: Json[] = [];
  const keys: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer(async (request, response) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const body = JSON.parse(await readBody(request)) as Json;
      // The SDK sends the key as `x-api-key` or as `authorization: Bearer …` (1.12.0 does the latter).
      const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ""))?.[1];
      const key = String(request.headers["x-api-key"] ?? bearer ?? "");
      if (request.method !== "POST" || !request.url?.startsWith("/v1/messages/count_tokens")) {
        response.writeHead(404, { "content-type": "application/json" });
        response.end(JSON.stringify({ type: "error", error: { type: "not_found_error" } }));
        return;
      }
      calls.push(body);
      keys.push(key);
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      if (options.failWith !== undefined) {
        response.writeHead(options.failWith, { "content-type": "application/json" });
        // A misbehaving server that echoes the key: the client must still never show it.
        response.end(
          JSON.stringify({
            type: "error",
            error: { type: "authentication_error", message: `invalid x-api-key: ${key}` },
          }),
        );
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ input_tokens: serverCount(body) }));
    } finally {
      inFlight -= 1;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    keys,
    get maxInFlight() {
      return maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
