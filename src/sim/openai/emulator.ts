/**
 * An offline emulator of the OpenAI Files, Batches, Chat Completions and Responses APIs on
 * 127.0.0.1, for the real `openai` SDK (`baseURL` pointed at it, any key): `POST /v1/files`
 * (multipart upload), `GET /v1/files/{id}` and `/content`, `POST /v1/batches`, `GET
 * /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`, `GET /v1/batches` (newest first, with
 * `metadata`), and `POST /v1/chat/completions` and `/v1/responses`, all on the OpenAI cache model
 * (`cache.ts`). It runs on a simulated clock and says so in the `x-cacheplan-time-scale` header.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { validateOpenAILine } from "../../targets/openai/validate.js";
import { isObject } from "../../util/json.js";
import { hasApiKey, listen } from "../_emulator-http.js";
import { TIME_SCALE_HEADER } from "../time-scale.js";
import { errorBody } from "./_bodies.js";
import { ENDPOINTS, type EngineOptions, OpenAIEngine } from "./_engine.js";
import { boundaryOf, parseMultipart } from "./_multipart.js";
import { promptView } from "./cache.js";

/** Options of {@link startOpenAIEmulator}. */
export interface OpenAIEmulatorOptions extends EngineOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
}

/** A running emulator. */
export interface OpenAIEmulator {
  /** The base URL to give the SDK (`…/v1`). */
  baseURL: string;
  port: number;
  engine: OpenAIEngine;
  close(): Promise<void>;
}

/** Largest upload the emulator reads (the Files API takes up to 512 MB; a batch file 200 MB). */
const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

interface Reply {
  status: number;
  json?: unknown;
  raw?: Buffer;
  /** Close the connection without an answer (a lost answer). */
  drop?: boolean;
  /** Never answer (the connection stays open until the client gives up or the emulator closes). */
  hang?: boolean;
}

const notFound = (what: string): Reply => ({
  status: 404,
  json: errorBody(`No such ${what}.`, "invalid_request_error", null),
});
const bad = (message: string, param: string | null = null): Reply => ({
  status: 400,
  json: errorBody(message, "invalid_request_error", null, param),
});

function readAll(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_UPLOAD_BYTES) chunks.push(c);
    });
    request.on("end", () => resolve(size > MAX_UPLOAD_BYTES ? undefined : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function publicFile(f: {
  id: string;
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
}) {
  return {
    id: f.id,
    object: "file",
    bytes: f.bytes,
    created_at: f.created_at,
    filename: f.filename,
    purpose: f.purpose,
    status: "processed",
    expires_at: null,
    status_details: null,
  };
}

/** The metadata of a batch create, or why it is refused (≤ 16 keys, keys ≤ 64, values ≤ 512 characters). */
function metadataOf(value: unknown): Record<string, string> | null | string {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) return "`metadata` must be an object.";
  const entries = Object.entries(value);
  if (entries.length > 16) return "`metadata` may have at most 16 keys.";
  for (const [k, v] of entries)
    if (k.length > 64 || typeof v !== "string" || v.length > 512)
      return "`metadata` keys are at most 64 characters and values strings of at most 512.";
  return value as Record<string, string>;
}

async function route(engine: OpenAIEngine, request: IncomingMessage): Promise<Reply> {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const path = url.pathname.replace(/\/+$/, "");
  const method = request.method ?? "GET";
  engine.advance();
  if (method === "POST" && path === "/v1/files") {
    const body = await readAll(request);
    if (body === undefined)
      return { status: 413, json: errorBody("File too large.", "invalid_request_error", null) };
    const boundary = boundaryOf(request.headers["content-type"]);
    if (!boundary) return bad("Expected multipart/form-data.");
    const form = parseMultipart(body, boundary);
    if (!form.file) return bad("Missing file.", "file");
    if (!form.fields.purpose) return bad("Missing purpose.", "purpose");
    return {
      status: 200,
      json: publicFile(engine.addFile(form.file.filename, form.fields.purpose, form.file.content)),
    };
  }
  const file = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path);
  if (file && method === "GET") {
    const f = engine.files.get(decodeURIComponent(file[1]!));
    if (!f) return notFound("file");
    return file[2] ? { status: 200, raw: f.content } : { status: 200, json: publicFile(f) };
  }
  if (method === "POST" && path === "/v1/batches") {
    const body = JSON.parse((await readAll(request))?.toString("utf8") || "{}") as Record<
      string,
      unknown
    >;
    if (typeof body.input_file_id !== "string" || !engine.files.has(body.input_file_id))
      return notFound("file");
    if (
      !(ENDPOINTS as readonly string[]).includes(String(body.endpoint)) &&
      !["/v1/embeddings", "/v1/completions", "/v1/moderations"].includes(String(body.endpoint))
    )
      return bad(`Invalid endpoint ${JSON.stringify(body.endpoint)}.`, "endpoint");
    if (body.completion_window !== "24h")
      return bad("`completion_window` must be `24h`.", "completion_window");
    const metadata = metadataOf(body.metadata);
    if (typeof metadata === "string") return bad(metadata, "metadata");
    const created = engine.createBatch({
      input_file_id: body.input_file_id,
      endpoint: String(body.endpoint),
      metadata,
    });
    // Faults for the runner's tests: the batch exists, its answer never arrives.
    if (engine.hangCreateAnswers > 0) {
      engine.hangCreateAnswers -= 1;
      return { status: 200, hang: true };
    }
    if (engine.loseCreateAnswers > 0) {
      engine.loseCreateAnswers -= 1;
      return { status: 200, drop: true };
    }
    return { status: 200, json: created.obj };
  }
  const batch = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
  if (batch) {
    const b = engine.batches.get(decodeURIComponent(batch[1]!));
    if (!b) return notFound("batch");
    if (batch[2] && method === "POST") {
      engine.cancel(b);
      return { status: 200, json: b.obj };
    }
    if (method === "GET") return { status: 200, json: b.obj };
  }
  if (method === "GET" && path === "/v1/batches") {
    const all = [...engine.batches.values()].map((b) => b.obj).reverse();
    const after = url.searchParams.get("after");
    const from = after ? all.findIndex((b) => b.id === after) + 1 : 0;
    const limit = Math.min(100, Number(url.searchParams.get("limit") ?? 20) || 20);
    const data = all.slice(from, from + limit);
    return {
      status: 200,
      json: {
        object: "list",
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: from + limit < all.length,
      },
    };
  }
  if (method === "POST" && (ENDPOINTS as readonly string[]).includes(path)) {
    const body = JSON.parse((await readAll(request))?.toString("utf8") || "{}") as Record<
      string,
      unknown
    >;
    const check = validateOpenAILine({ custom_id: "sync", method: "POST", url: path, body });
    if (!check.ok) return bad(check.reason);
    if (!engine.models.get(String(body.model)))
      return {
        status: 404,
        json: errorBody(
          `The model \`${String(body.model)}\` does not exist or you do not have access to it.`,
          "invalid_request_error",
          "model_not_found",
        ),
      };
    if ("messages" in body !== (path === "/v1/chat/completions"))
      return bad("The body does not match the endpoint.");
    const view = promptView(body, engine.counter);
    const at = engine.now();
    const use = engine.cache.serve(view, at);
    return {
      status: 200,
      json: engine.serveBody(engine.id("sync"), body, view.total, use.cached, use.written, at),
    };
  }
  return notFound("route");
}

/** Starts the emulator on 127.0.0.1. */
export async function startOpenAIEmulator(
  options: OpenAIEmulatorOptions = {},
): Promise<OpenAIEmulator> {
  const engine = new OpenAIEngine(options);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const headers: Record<string, string> = {
      [TIME_SCALE_HEADER]: String(engine.timeScale),
      "x-request-id": engine.id("req_"),
    };
    const reply = (r: Reply) => {
      if (r.hang) return;
      if (r.drop) {
        response.destroy();
        return;
      }
      if (r.raw !== undefined) {
        response.writeHead(r.status, { ...headers, "content-type": "application/octet-stream" });
        response.end(r.raw);
      } else {
        response.writeHead(r.status, { ...headers, "content-type": "application/json" });
        response.end(JSON.stringify(r.json));
      }
    };
    if (!hasApiKey(request)) {
      request.resume();
      reply({
        status: 401,
        json: errorBody("You didn't provide an API key.", "invalid_request_error", null),
      });
      return;
    }
    route(engine, request).then(reply, (error: unknown) => {
      reply({
        status: error instanceof SyntaxError ? 400 : 500,
        json: errorBody(
          error instanceof SyntaxError ? "The body is not valid JSON." : "The emulator failed.",
          error instanceof SyntaxError ? "invalid_request_error" : "server_error",
          null,
        ),
      });
    });
  });
  const port = await listen(server, options.port ?? 0);
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    port,
    engine,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
