/**
 * The emulator: the Message Batches API (and the Messages and count_tokens endpoints) over HTTP on
 * 127.0.0.1, for the official `@anthropic-ai/sdk` client through `baseURL`, running batches on the
 * same cache and processing model as `simulate()` in scaled real time.
 *
 * Reference: shared/reference/anthropic-caching-and-batches.md §4, §5, §6, §8.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { OptionsError } from "../errors.js";
import { TIME_SCALE_HEADER } from "../run/_clock.js";
import { seededRandom } from "../sample.js";
import { API_MAX_BYTES, API_MAX_REQUESTS } from "../targets/anthropic/limits.js";
import type { TokenCounter } from "../tokens/counter.js";
import { createTiktokenCounter } from "../tokens/tiktoken.js";
import { errorReply, type Reply } from "./_emulator-api.js";
import { EmulatorEngine } from "./_emulator-engine.js";
import {
  declaredTooLarge,
  discardBody,
  hasApiKey,
  listen,
  readBody,
  send,
} from "./_emulator-http.js";
import {
  EMULATOR_ROUTES,
  type EmulatorRoute,
  handleRoute,
  matchRoute,
} from "./_emulator-routes.js";
import { resolveSimParams, type SimParams } from "./params.js";

export type { EmulatorRoute } from "./_emulator-routes.js";

/**
 * A fault the emulator can inject into an HTTP exchange:
 * - `"429"`: `rate_limit_error` with a `retry-after` header;
 * - `"500"`: `api_error`;
 * - `"529"`: `overloaded_error`;
 * - `"drop"`: the connection is closed without a response, before anything is done;
 * - `"lost-response"`: the request is carried out (a batch is created, canceled, deleted, …),
 *   then the connection is closed without a response, as when a response is lost on the way back.
 *
 * Every fault but `"lost-response"` happens before the request has any effect, so a client that
 * retries never creates a batch twice; `"lost-response"` is the case a runner must detect by
 * listing, and {@link EmulatorStats.lostResponses} records it.
 */
export type EmulatorFaultKind = "429" | "500" | "529" | "drop" | "lost-response";

/** Which HTTP exchanges fail, and how. */
export interface EmulatorFaultOptions {
  /** Share of HTTP requests that get a fault, drawn per request from `seed`; 0 to 1. */
  rate: number;
  /**
   * The faults to draw from, uniformly.
   * @default ["429", "500", "529", "drop"]
   */
  kinds?: readonly EmulatorFaultKind[];
  /**
   * Routes that can fail, by SDK method name (e.g. `"batches.create"`).
   * @default every route
   */
  routes?: readonly EmulatorRoute[];
  /**
   * Seconds in the `retry-after` header of a 429 and a 529; the SDK waits that long before it
   * retries. Fractions are allowed (the SDK parses them; the API sends whole seconds).
   * @default 1
   */
  retryAfterSeconds?: number;
  /**
   * When set, every 429, 500 and 529 also carries `retry-after-ms`, which the SDK prefers to
   * `retry-after` (client.js `retryRequest()`): lets tests retry in milliseconds. The API does not
   * send it.
   * @default undefined
   */
  retryAfterMs?: number;
  /**
   * Seed of the fault draws.
   * @default the emulator's `seed`
   */
  seed?: number;
}

/**
 * Cache and processing parameters of the emulator: those of `simulate()` that apply to it.
 * `submissionGapMs` and `cancelAt` do not, since the client decides when it creates and cancels;
 * `workspace` is the workspace of calls without an `anthropic-workspace-id` header.
 */
export type EmulatorSimParams = Omit<
  SimParams,
  "tokensOf" | "seed" | "cancelAt" | "submissionGapMs"
>;

/** Options of {@link startEmulator}. Every field is optional. */
export interface EmulatorOptions {
  /**
   * TCP port on 127.0.0.1; 0 picks a free one (read it from {@link Emulator.port}).
   * @default 0
   */
  port?: number;
  /**
   * Simulated milliseconds per real millisecond: 60 runs a simulated minute per real second,
   * 3600 a simulated hour. 0 stops the clock: time then moves only with {@link Emulator.advance}.
   * @default 60
   */
  timeScale?: number;
  /**
   * Seed of every random draw: processing order and timing, per-request `errored` faults,
   * cache visibility, ids, response text and (unless `faults.seed`) HTTP faults.
   * @default 1
   */
  seed?: number;
  /**
   * Cache and processing parameters, as for `simulate()` (concurrency, start delay, prefill and
   * generation time, output tokens, `errorRate`, `syncToBatchVisibility`, …).
   * @default SIM_DEFAULTS
   */
  sim?: EmulatorSimParams;
  /**
   * Token counter for usage and count_tokens: both use it, so a request's `input_tokens +
   * cache_creation_input_tokens + cache_read_input_tokens` equals its count_tokens figure.
   * @default createTiktokenCounter()
   */
  counter?: TokenCounter;
  /**
   * HTTP faults to inject; change them later with {@link Emulator.setFaults}.
   * @default undefined (none)
   */
  faults?: EmulatorFaultOptions;
  /**
   * Most requests in one batch; more is a 413 `request_too_large` (reference fact 11).
   * @default 100000
   */
  maxBatchRequests?: number;
  /**
   * Most bytes of a Message Batches request body; more is a 413 `request_too_large` (reference
   * fact 11: 256 MB).
   * @default 256000000
   */
  maxBodyBytes?: number;
  /**
   * Most bytes of a `POST /v1/messages` or count_tokens body; more is a 413 `request_too_large`
   * ("Request size limits": Messages API 32 MB, Token Counting API 32 MB,
   * https://docs.claude.com/en/api/errors). A batch item above it comes back `errored`.
   * @default 32000000
   */
  maxMessageBodyBytes?: number;
  /**
   * Most requests queued across all unfinished batches (reference §5.6: 200,000, 300,000 or
   * 500,000 by tier); a create that would go beyond is a 429 `rate_limit_error` with
   * `retry-after`. `undefined` for no limit.
   * @default undefined
   */
  maxQueued?: number;
  /**
   * Wall-clock time (ms since the Unix epoch) at which the emulator starts. A batch's
   * `created_at` is this plus the real time elapsed (plus any {@link Emulator.advance}), so a
   * client can compare it with its own clock; its other timestamps add the simulated durations.
   * @default Date.now() when the emulator starts
   */
  epoch?: number;
  /**
   * Called with one line per HTTP request (method, path, status, fault). Never sees headers, so
   * never the API key.
   * @default undefined (silent)
   */
  log?: (line: string) => void;
}

/** Counters of what the emulator did. */
export interface EmulatorStats {
  /** HTTP requests received, per route, faulted ones included; `"unknown"` counts other paths. */
  requests: Record<EmulatorRoute | "unknown", number>;
  /** Faults injected, per kind. */
  faults: Record<EmulatorFaultKind, number>;
  /** Batches created, deleted ones included. */
  batchesCreated: number;
  /** Batches deleted. */
  batchesDeleted: number;
  /** Requests submitted in all batches created. */
  batchRequests: number;
  /** Exchanges carried out whose response was then dropped (`"lost-response"` faults), in order. */
  lostResponses: Array<{
    /** The route whose response was lost. */
    route: EmulatorRoute;
    /** The batch it created (`batches.create`) or acted on; `null` for other routes and failures. */
    batchId: string | null;
  }>;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL for the SDK's `baseURL` (or `ANTHROPIC_BASE_URL`), e.g. `http://127.0.0.1:4010`. */
  readonly url: string;
  /** The TCP port it listens on. */
  readonly port: number;
  /** Simulated milliseconds since the emulator started. */
  now(): number;
  /** Moves simulated time forward by `ms` at once (processing what falls due), e.g. to expire. */
  advance(ms: number): void;
  /** Replaces the HTTP fault options; `undefined` turns faults off. */
  setFaults(faults: EmulatorFaultOptions | undefined): void;
  /** Counters of what it did so far. */
  stats(): EmulatorStats;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const FAULT_KINDS: readonly EmulatorFaultKind[] = ["429", "500", "529", "drop", "lost-response"];

/** "Request size limits": Messages API 32 MB, Token Counting API 32 MB (docs.claude.com/en/api/errors). */
export const MESSAGES_MAX_BYTES = 32_000_000;

/**
 * `anthropic-ratelimit-requests-limit` of an injected 429. The emulator counts no requests per
 * minute; the value is the Start tier's batch RPM (reference §5.6), so the headers have their
 * documented shape (https://docs.claude.com/en/api/rate-limits "Response headers").
 */
const NOMINAL_RPM = 1000;
const DEFAULT_FAULT_KINDS: readonly EmulatorFaultKind[] = ["429", "500", "529", "drop"];

function check(ok: boolean, name: string, expected: string, value: unknown): void {
  if (!ok) throw new OptionsError(`\`${name}\` must be ${expected}, got ${JSON.stringify(value)}.`);
}

interface ResolvedFaults {
  rate: number;
  kinds: readonly EmulatorFaultKind[];
  routes: ReadonlySet<EmulatorRoute> | null;
  retryAfterSeconds: number;
  retryAfterMs: number | undefined;
  random: () => number;
}

function resolveFaults(faults: EmulatorFaultOptions | undefined, seed: number): ResolvedFaults {
  const f = faults ?? { rate: 0 };
  check(f.rate >= 0 && f.rate <= 1, "faults.rate", "a probability in [0, 1]", f.rate);
  const kinds = f.kinds ?? DEFAULT_FAULT_KINDS;
  check(
    kinds.length > 0 && kinds.every((k) => FAULT_KINDS.includes(k)),
    "faults.kinds",
    `a non-empty list of ${FAULT_KINDS.map((k) => `"${k}"`).join(", ")}`,
    kinds,
  );
  const retryAfterSeconds = f.retryAfterSeconds ?? 1;
  check(
    Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0,
    "faults.retryAfterSeconds",
    "a number ≥ 0",
    retryAfterSeconds,
  );
  if (f.retryAfterMs !== undefined) {
    check(
      Number.isFinite(f.retryAfterMs) && f.retryAfterMs >= 0,
      "faults.retryAfterMs",
      "a number ≥ 0",
      f.retryAfterMs,
    );
  }
  check(
    f.routes === undefined || f.routes.every((r) => EMULATOR_ROUTES.includes(r)),
    "faults.routes",
    `a list of ${EMULATOR_ROUTES.map((r) => `"${r}"`).join(", ")}`,
    f.routes,
  );
  return {
    rate: f.rate,
    kinds,
    routes: f.routes ? new Set(f.routes) : null,
    retryAfterSeconds,
    retryAfterMs: f.retryAfterMs,
    random: seededRandom((f.seed ?? seed) ^ 0xfa_0175),
  };
}

/**
 * Starts the emulator on 127.0.0.1 and resolves once it listens.
 *
 * Routes (the SDK's, SDK-B; SDK-BJ): `POST /v1/messages/batches`, `GET /v1/messages/batches`,
 * `GET|DELETE /v1/messages/batches/{id}`, `POST /v1/messages/batches/{id}/cancel`,
 * `GET /v1/messages/batches/{id}/results`, `POST /v1/messages` (also with `stream: true`, as
 * server-sent events), `POST /v1/messages/count_tokens`.
 * Every request needs an API key (`x-api-key`, or `Authorization: Bearer`); any non-empty key is
 * accepted and none is ever logged or echoed.
 *
 * @example
 * ```
 * const emulator = await startEmulator({ timeScale: 3600 });
 * const client = new Anthropic({ baseURL: emulator.url, apiKey: "test" });
 * const batch = await client.messages.batches.create({ requests });
 * // … poll `retrieve` until `processing_status` is "ended", then read `results()`
 * await emulator.close();
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const port = options.port ?? 0;
  check(
    Number.isInteger(port) && port >= 0 && port <= 65535,
    "port",
    "an integer from 0 to 65535",
    port,
  );
  const timeScale = options.timeScale ?? 60;
  check(
    Number.isFinite(timeScale) && timeScale >= 0,
    "timeScale",
    "a finite number ≥ 0",
    timeScale,
  );
  const seed = options.seed ?? 1;
  check(Number.isInteger(seed), "seed", "an integer", seed);
  const maxBatchRequests = options.maxBatchRequests ?? API_MAX_REQUESTS;
  check(
    Number.isInteger(maxBatchRequests) && maxBatchRequests >= 1,
    "maxBatchRequests",
    "an integer ≥ 1",
    maxBatchRequests,
  );
  const maxBodyBytes = options.maxBodyBytes ?? API_MAX_BYTES;
  check(
    Number.isInteger(maxBodyBytes) && maxBodyBytes >= 1,
    "maxBodyBytes",
    "an integer ≥ 1",
    maxBodyBytes,
  );
  const maxMessageBodyBytes = options.maxMessageBodyBytes ?? MESSAGES_MAX_BYTES;
  check(
    Number.isInteger(maxMessageBodyBytes) && maxMessageBodyBytes >= 1,
    "maxMessageBodyBytes",
    "an integer ≥ 1",
    maxMessageBodyBytes,
  );
  const maxQueued = options.maxQueued ?? null;
  check(
    maxQueued === null || (Number.isInteger(maxQueued) && maxQueued >= 1),
    "maxQueued",
    "an integer ≥ 1",
    maxQueued,
  );
  const epoch = options.epoch ?? Date.now();
  check(Number.isFinite(epoch), "epoch", "a time in ms", epoch);
  // `tokensOf` is built per HTTP request from `counter`; a placeholder passes the checks.
  const params = resolveSimParams({ ...options.sim, seed, tokensOf: () => 0 });
  let faults = resolveFaults(options.faults, seed);
  const realStart = performance.now();
  let offset = 0;
  const now = () => offset + (performance.now() - realStart) * timeScale;
  // Item 8: timestamps follow the real clock (plus explicit `advance()` jumps), not scaled time.
  const wallNow = () => epoch + (performance.now() - realStart) + offset;
  const engine = new EmulatorEngine(params, options.counter ?? createTiktokenCounter(), wallNow);
  const requests = Object.fromEntries(
    [...EMULATOR_ROUTES, "unknown"].map((route) => [route, 0]),
  ) as EmulatorStats["requests"];
  const injected: EmulatorStats["faults"] = {
    "429": 0,
    "500": 0,
    "529": 0,
    drop: 0,
    "lost-response": 0,
  };
  const lostResponses: EmulatorStats["lostResponses"] = [];
  let baseUrl = "";

  const drawFault = (route: EmulatorRoute | "unknown"): EmulatorFaultKind | null => {
    if (faults.rate === 0 || route === "unknown") return null;
    if (faults.routes !== null && !faults.routes.has(route)) return null;
    if (faults.random() >= faults.rate) return null;
    return faults.kinds[Math.floor(faults.random() * faults.kinds.length)]!;
  };

  const faultReply = (kind: "429" | "500" | "529"): Reply => {
    const headers: Record<string, string> = { "x-should-retry": "true" };
    if (kind !== "500") headers["retry-after"] = String(faults.retryAfterSeconds);
    if (faults.retryAfterMs !== undefined) headers["retry-after-ms"] = String(faults.retryAfterMs);
    if (kind === "429") {
      // Rate-limit headers as the API sends them on a 429 (docs.claude.com/en/api/rate-limits,
      // "Response headers"; a recorded 429 in anthropics/anthropic-sdk-typescript#357).
      headers["anthropic-ratelimit-requests-limit"] = String(NOMINAL_RPM);
      headers["anthropic-ratelimit-requests-remaining"] = "0";
      headers["anthropic-ratelimit-requests-reset"] = new Date(
        wallNow() + faults.retryAfterSeconds * 1000,
      ).toISOString();
      return errorReply(
        429,
        "rate_limit_error",
        "Number of requests has exceeded your rate limit (emulated fault).",
        headers,
      );
    }
    if (kind === "529")
      return errorReply(529, "overloaded_error", "Overloaded (emulated fault).", headers);
    return errorReply(500, "api_error", "Internal server error (emulated fault).", headers);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    // Every answer says how fast the clock runs, so a runner on this machine polls in step
    // (`src/run/_clock.ts`); the Anthropic API never sends it.
    response.setHeader(TIME_SCALE_HEADER, String(timeScale));
    const started = performance.now();
    const requestId = engine.id("req");
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const match = matchRoute(request.method ?? "GET", url.pathname);
    requests[match.route] += 1;
    const log = (status: string) =>
      options.log?.(
        `${request.method} ${url.pathname} ${status} ${Math.round(performance.now() - started)}ms`,
      );
    // Issue 9 item 15: the key is checked before a byte of the body is read, and a body is never
    // held past its route's limit ("Request size limits", docs.claude.com/en/api/errors: 32 MB for
    // Messages and Token Counting, 256 MB for Batches; a 413 `request_too_large` above).
    if (!hasApiKey(request)) {
      discardBody(request);
      log("401");
      await send(
        response,
        errorReply(401, "authentication_error", "x-api-key header is required"),
        requestId,
      );
      return;
    }
    const limit =
      match.route === "messages.create" || match.route === "messages.countTokens"
        ? maxMessageBodyBytes
        : maxBodyBytes;
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
    const fault = drawFault(match.route);
    if (fault !== null) injected[fault] += 1;
    if (fault === "drop") {
      log("dropped (fault)");
      response.socket?.destroy();
      return;
    }
    let reply: Reply;
    if (fault === "429" || fault === "500" || fault === "529") {
      reply = faultReply(fault);
    } else if (body.tooLarge) {
      reply = tooLarge;
    } else {
      const workspaceHeader = request.headers["anthropic-workspace-id"];
      reply = await handleRoute(match, {
        engine,
        body: body.text,
        query: url.searchParams,
        workspace:
          typeof workspaceHeader === "string" && workspaceHeader !== ""
            ? workspaceHeader
            : params.workspace,
        now,
        baseUrl,
        maxBatchRequests,
        maxQueued,
        maxMessageBytes: maxMessageBodyBytes,
      });
    }
    if (fault === "lost-response") {
      const created = match.route === "batches.create" && reply.status === 200;
      const batchId = created ? (reply.json as { id: string }).id : (match.id ?? null);
      lostResponses.push({ route: match.route as EmulatorRoute, batchId });
      log(`${reply.status}, response dropped (fault)`);
      response.socket?.destroy();
      return;
    }
    log(String(reply.status));
    await send(response, reply, requestId);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.log?.(`${request.method} ${request.url} 500 internal error: ${String(error)}`);
      if (!response.headersSent) {
        void send(
          response,
          errorReply(500, "api_error", "Internal error of the emulator."),
          engine.id("req"),
        );
      } else {
        response.destroy();
      }
    });
  });
  const actualPort = await listen(server, port);
  baseUrl = `http://127.0.0.1:${actualPort}`;

  return {
    url: baseUrl,
    port: actualPort,
    now,
    advance(ms: number) {
      check(Number.isFinite(ms) && ms >= 0, "advance(ms)", "a finite number ≥ 0", ms);
      offset += ms;
      engine.advanceTo(now());
    },
    setFaults(next) {
      faults = resolveFaults(next, seed);
    },
    stats() {
      return {
        requests: { ...requests },
        faults: { ...injected },
        batchesCreated: engine.batchesCreated,
        batchesDeleted: engine.batchesDeleted,
        batchRequests: engine.batchRequests,
        lostResponses: lostResponses.map((lost) => ({ ...lost })),
      };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
