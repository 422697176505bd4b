/**
 * A tiny stand-in for the Message Batches API on 127.0.0.1, for the runner's tests of servers
 * that misbehave in ways the emulator never does: hostile or duplicate batch ids, a call that
 * hangs, an error body that echoes the request's headers (as some proxies do). Batches end as
 * soon as they are created; every request succeeds.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A route of the fake, as the runner calls it. */
export type FakeRoute = "list" | "create" | "retrieve" | "results" | "cancel";

export interface FakeOptions {
  /** The id of the n-th created batch (from 0). @default msgbatch_01Fake… */
  id?: (n: number) => string;
  /** Ids the list answers with before any batch is created. @default [] */
  listed?: string[];
  /** Never answer this call (the connection stays open until the server closes). */
  hang?: (route: FakeRoute) => boolean;
  /** Answer this call with an error: status and the error's message. */
  fail?: (
    route: FakeRoute,
    headers: IncomingMessage["headers"],
  ) => { status: number; message: string } | null;
  /** The `usage` of a request's succeeded result. @default 1 input and 1 output token, no cache */
  usage?: (customId: string) => unknown;
}

export interface FakeServer {
  url: string;
  /** Batches created, in order. */
  created: string[];
  /** Calls received, by route. */
  calls: Record<FakeRoute, number>;
  close: () => Promise<void>;
}

interface Batch {
  id: string;
  customIds: string[];
  created_at: string;
}

function route(req: IncomingMessage): { route: FakeRoute; id?: string } | null {
  const url = new URL(req.url ?? "/", "http://x");
  const p = url.pathname;
  if (p === "/v1/messages/batches") return { route: req.method === "POST" ? "create" : "list" };
  const m = /^\/v1\/messages\/batches\/(.+?)(\/results|\/cancel)?$/.exec(p);
  if (!m) return null;
  const id = decodeURIComponent(m[1]!);
  if (m[2] === "/results") return { route: "results", id };
  if (m[2] === "/cancel") return { route: "cancel", id };
  return { route: "retrieve", id };
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString("utf8");
    });
    req.on("end", () => resolve(text));
  });
}

/** Starts the fake; `close()` ends it (and every hanging call). */
export async function startFakeBatches(options: FakeOptions = {}): Promise<FakeServer> {
  const batches: Batch[] = [];
  const created: string[] = [];
  const calls: Record<FakeRoute, number> = {
    list: 0,
    create: 0,
    retrieve: 0,
    results: 0,
    cancel: 0,
  };
  let base = "";
  const view = (b: Batch) => ({
    id: b.id,
    type: "message_batch",
    processing_status: "ended",
    request_counts: {
      processing: 0,
      succeeded: b.customIds.length,
      errored: 0,
      canceled: 0,
      expired: 0,
    },
    created_at: b.created_at,
    expires_at: b.created_at,
    ended_at: b.created_at,
    cancel_initiated_at: null,
    archived_at: null,
    results_url: `${base}/v1/messages/batches/${encodeURIComponent(b.id)}/results`,
  });
  const json = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "request-id": "req_fake" });
    res.end(JSON.stringify(value));
  };
  const server = createServer(async (req, res) => {
    const r = route(req);
    if (!r)
      return json(res, 404, {
        type: "error",
        error: { type: "not_found_error", message: "no route" },
      });
    calls[r.route] += 1;
    const text = await body(req);
    if (options.hang?.(r.route)) return; // never answered
    const failure = options.fail?.(r.route, req.headers);
    if (failure) {
      const type = failure.status >= 500 ? "api_error" : "invalid_request_error";
      return json(res, failure.status, {
        type: "error",
        error: { type, message: failure.message },
      });
    }
    const find = () => batches.find((b) => b.id === r.id);
    switch (r.route) {
      case "list": {
        const data = [...batches].reverse().map(view);
        for (const id of options.listed ?? [])
          data.push(view({ id, customIds: [], created_at: new Date(0).toISOString() }));
        return json(res, 200, {
          data,
          has_more: false,
          first_id: data[0]?.id ?? null,
          last_id: data.at(-1)?.id ?? null,
        });
      }
      case "create": {
        const requests = (JSON.parse(text) as { requests: Array<{ custom_id: string }> }).requests;
        const id =
          options.id?.(created.length) ??
          `msgbatch_01Fake${String(created.length).padStart(18, "0")}`;
        const batch = {
          id,
          customIds: requests.map((q) => q.custom_id),
          created_at: new Date().toISOString(),
        };
        batches.push(batch);
        created.push(id);
        return json(res, 200, view(batch));
      }
      case "retrieve":
      case "cancel": {
        const b = find();
        return b
          ? json(res, 200, view(b))
          : json(res, 404, {
              type: "error",
              error: { type: "not_found_error", message: "no batch" },
            });
      }
      case "results": {
        const b = find();
        if (!b)
          return json(res, 404, {
            type: "error",
            error: { type: "not_found_error", message: "no batch" },
          });
        res.writeHead(200, { "content-type": "application/x-jsonl" });
        for (const custom_id of b.customIds) {
          const message = {
            id: "msg_01Fake",
            type: "message",
            role: "assistant",
            model: "claude-sonnet-4-6",
            content: [{ type: "text", text: "ok" }],
            stop_reason: "end_turn",
            stop_sequence: null,
            usage: options.usage?.(custom_id) ?? {
              input_tokens: 1,
              output_tokens: 1,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
            },
          };
          res.write(`${JSON.stringify({ custom_id, result: { type: "succeeded", message } })}\n`);
        }
        return res.end();
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    created,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
