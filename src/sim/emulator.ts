/**
 * The emulator: the Message Batches API (and the Messages and count_tokens endpoints) over HTTP on
 * 127.0.0.1, for the official `@anthropic-ai/sdk` client through `baseURL`, running batches on the
 * same cache and processing model as `simulate()` in scaled real time.
 *
 * Reference: shared/reference/anthropic-caching-and-batches.md §4, §5, §6, §8.
 */
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import {
  API_MAX_BYTES,
  API_MAX_REQUESTS,
  MESSAGES_MAX_BYTES,
} from "../targets/anthropic/limits.js";
import type { TokenCounter } from "../tokens/counter.js";
import { createTiktokenCounter } from "../tokens/tiktoken.js";
import { errorReply } from "./_emulator-api.js";
import { check, checkedInteger, checkedNonNegative } from "./_emulator-checks.js";
import { EmulatorEngine } from "./_emulator-engine.js";
import { type EmulatorLimits, type ExchangeContext, exchange } from "./_emulator-exchange.js";
import {
  type EmulatorFaultKind,
  type EmulatorFaultOptions,
  FaultInjector,
} from "./_emulator-faults.js";
import { listen, send } from "./_emulator-http.js";
import { EMULATOR_ROUTES, type EmulatorRoute } from "./_emulator-routes.js";
import { resolveSimParams, type SimParams } from "./params.js";
import { TIME_SCALE_HEADER } from "./time-scale.js";

export type { EmulatorFaultKind, EmulatorFaultOptions } from "./_emulator-faults.js";
export type { EmulatorRoute } from "./_emulator-routes.js";

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
  /**
   * The processing queue (with `maxQueued`, or without): the most requests queued (waiting or
   * running, as the API counts them) and the most in unfinished batches (whole batches) just
   * after any create, and the creates refused with 429 for the limit.
   */
  queue: { peak: number; peakInBatches: number; refused: number };
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

/** The checked options of {@link startEmulator}, with their defaults. */
interface ResolvedOptions {
  port: number;
  timeScale: number;
  seed: number;
  limits: EmulatorLimits;
  epoch: number;
}

/** Checks the options in the order they are documented; the first bad one throws. */
function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  const port = checkedInteger(options.port ?? 0, "port", 0, 65535);
  const timeScale = checkedNonNegative(options.timeScale ?? 60, "timeScale", "a finite number ≥ 0");
  const seed = options.seed ?? 1;
  check(Number.isInteger(seed), "seed", "an integer", seed);
  const limits: EmulatorLimits = {
    maxBatchRequests: checkedInteger(
      options.maxBatchRequests ?? API_MAX_REQUESTS,
      "maxBatchRequests",
      1,
    ),
    maxBodyBytes: checkedInteger(options.maxBodyBytes ?? API_MAX_BYTES, "maxBodyBytes", 1),
    maxMessageBodyBytes: checkedInteger(
      options.maxMessageBodyBytes ?? MESSAGES_MAX_BYTES,
      "maxMessageBodyBytes",
      1,
    ),
    maxQueued: options.maxQueued ?? null,
  };
  const { maxQueued } = limits;
  check(
    maxQueued === null || (Number.isInteger(maxQueued) && maxQueued >= 1),
    "maxQueued",
    "an integer ≥ 1",
    maxQueued,
  );
  const epoch = options.epoch ?? Date.now();
  check(Number.isFinite(epoch), "epoch", "a time in ms", epoch);
  return { port, timeScale, seed, limits, epoch };
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
  const { port, timeScale, seed, limits, epoch } = resolveOptions(options);
  // `tokensOf` is built per HTTP request from `counter`; a placeholder passes the checks.
  const params = resolveSimParams({ ...options.sim, seed, tokensOf: () => 0 });
  const realStart = performance.now();
  let offset = 0;
  const now = () => offset + (performance.now() - realStart) * timeScale;
  // Item 8: timestamps follow the real clock (plus explicit `advance()` jumps), not scaled time.
  const wallNow = () => epoch + (performance.now() - realStart) + offset;
  let baseUrl = "";
  const ctx: ExchangeContext = {
    faults: new FaultInjector(options.faults, seed, wallNow),
    engine: new EmulatorEngine(params, options.counter ?? createTiktokenCounter(), wallNow),
    limits,
    workspace: params.workspace,
    now,
    baseUrl: () => baseUrl,
    requests: Object.fromEntries(
      [...EMULATOR_ROUTES, "unknown"].map((route) => [route, 0]),
    ) as EmulatorStats["requests"],
    lostResponses: [],
    log: options.log,
  };
  const server = createServer((request, response) => {
    // Every answer says how fast the clock runs, so a runner on this machine polls in step
    // (`src/run/_clock.ts`, issue 11 item 12); the Anthropic API never sends it.
    response.setHeader(TIME_SCALE_HEADER, String(timeScale));
    exchange(ctx, request, response).catch((error: unknown) => {
      options.log?.(`${request.method} ${request.url} 500 internal error: ${String(error)}`);
      if (!response.headersSent) {
        const reply = errorReply(500, "api_error", "Internal error of the emulator.");
        void send(response, reply, ctx.engine.id("req"));
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
      checkedNonNegative(ms, "advance(ms)", "a finite number ≥ 0");
      offset += ms;
      ctx.engine.advanceTo(now());
    },
    setFaults(next) {
      ctx.faults.set(next);
    },
    stats: () => statsOf(ctx),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A copy of the emulator's counters. */
function statsOf({
  engine,
  faults,
  requests,
  lostResponses,
  queue,
}: ExchangeContext): EmulatorStats {
  return {
    requests: { ...requests },
    faults: { ...faults.injected },
    batchesCreated: engine.batches.batchesCreated,
    batchesDeleted: engine.batches.batchesDeleted,
    batchRequests: engine.batches.batchRequests,
    queue: { peak: 0, peakInBatches: 0, refused: 0, ...queue },
    lostResponses: lostResponses.map((lost) => ({ ...lost })),
  };
}
