/**
 * Jobs of the cloud emulators (internal, issue 15 item 4): a Vertex or Bedrock batch job runs its
 * requests on the simulator's engine — the Anthropic emulator's processing loop and cache model
 * ({@link EmulatorEngine}) — in virtual time driven by a scaled clock. Vertex jobs keep their
 * `cache_control` (caching as Anthropic, other-batch-systems.md §3.6); Bedrock jobs arrive without
 * markers (§2.6), so nothing is cached. The HTTP layers translate records and job shapes; the
 * server around them ({@link serveCloud}) and the record-to-request step are shared.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { ModelTable } from "../pricing/models.js";
import type { TokenCounter } from "../tokens/counter.js";
import { createTiktokenCounter } from "../tokens/tiktoken.js";
import type { BatchRequest } from "../types.js";
import type { BatchRun } from "./_emulator-batch.js";
import { EmulatorEngine } from "./_emulator-engine.js";
import { listen } from "./_emulator-http.js";
import { resolveSimParams, type SimParams } from "./params.js";
import { TIME_SCALE_HEADER } from "./time-scale.js";

/** Options shared by the cloud emulators. */
export interface CloudEmulatorOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** Emulated ms per real ms. @default 60 */
  timeScale?: number;
  /** Seed of every draw. @default 1 */
  seed?: number;
  /** Simulator parameters (timing, error rate, models). */
  sim?: Omit<SimParams, "seed" | "tokensOf">;
  /** Token counter of the cache model. @default the offline tiktoken estimate */
  counter?: TokenCounter;
}

/** Why a cloud refuses a request of `workspace` unrun (its errored result's message), or `undefined`. */
export type Refusal = (request: BatchRequest, workspace: string) => string | undefined;

/** What a job's requests came to, as counts. */
export interface JobCounts {
  total: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
  processing: number;
}

/** The engine, its scaled clock, and the runs of jobs. */
export class CloudJobs {
  readonly engine: EmulatorEngine;
  readonly timeScale: number;
  readonly #start = performance.now();
  readonly #epoch = Date.now();

  /** Why the cloud refuses a request before running it (an errored result), or `undefined`. */
  readonly #refuse: Refusal;

  constructor(options: CloudEmulatorOptions, refuse: Refusal = () => undefined) {
    this.#refuse = refuse;
    this.timeScale = options.timeScale ?? 60;
    const params = resolveSimParams({ ...options.sim, seed: options.seed ?? 1, tokensOf: () => 0 });
    this.engine = new EmulatorEngine(
      params,
      options.counter ?? createTiktokenCounter(),
      () => this.#epoch + (performance.now() - this.#start),
    );
  }

  /** The model table the engine checks requests against. */
  get models(): ModelTable {
    return this.engine.models;
  }

  /** Virtual ms since the emulator started. */
  now(): number {
    return (performance.now() - this.#start) * this.timeScale;
  }

  /** Wall-clock epoch ms of a virtual time (the start anchored to the real start). */
  wallOf(virtual: number): number {
    return this.#epoch + virtual;
  }

  /** Handles every event due by now. */
  advance(): void {
    this.engine.advanceTo(this.now());
  }

  /** Starts `requests` as one batch of `workspace` (caches are per workspace / project). */
  async start(requests: readonly BatchRequest[], workspace: string): Promise<BatchRun> {
    const tokensOf = await this.engine.tokensFor(requests);
    const refused = new Map<number, string>();
    requests.forEach((request, i) => {
      const why = this.#refuse(request, workspace);
      if (why !== undefined) refused.set(i, why);
    });
    return this.engine.createBatch(requests, workspace, tokensOf, this.now(), refused);
  }

  /** Whether the run has ended (every request decided, its end time passed). */
  ended(run: BatchRun): boolean {
    this.advance();
    return this.engine.isEnded(run);
  }

  /** Virtual time the run ended, or `null`. */
  endedAt(run: BatchRun): number | null {
    return this.ended(run) ? this.engine.endedAt(run) : null;
  }

  /** Stops a run: requests not started are canceled. */
  cancel(run: BatchRun): void {
    this.engine.cancel(run, this.now());
  }

  /** Counts of the run's results so far. */
  counts(run: BatchRun): JobCounts {
    this.advance();
    const c: JobCounts = {
      total: run.size,
      succeeded: 0,
      errored: 0,
      canceled: 0,
      expired: 0,
      processing: 0,
    };
    for (const r of run.results) {
      if (r === undefined) c.processing += 1;
      else if (r.result.type === "succeeded") c.succeeded += 1;
      else if (r.result.type === "errored") c.errored += 1;
      else if (r.result.type === "canceled") c.canceled += 1;
      else c.expired += 1;
    }
    return c;
  }
}

/** JSON lines of a JSONL text; blank lines skipped; a line that is not JSON is `undefined`. */
export function parseLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return undefined;
      }
    });
}

/**
 * A record's body as the engine's request params: the cloud's `anthropic_version` (the one the
 * target writes, `version`) removed, any other kept for the engine to refuse, and `model` set to
 * the job's model (records carry none: other-batch-systems.md §2.1, §3.1).
 */
export function engineParams(
  body: Record<string, unknown>,
  model: string,
  version: string,
): Record<string, unknown> {
  const { anthropic_version: given, ...params } = body;
  return given === version ? { ...params, model } : { ...params, model, anthropic_version: given };
}

/** A cloud emulator's server: where it listens, and how to stop it. */
export interface CloudServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `route` on 127.0.0.1 (`port` 0 or absent: a free one), every answer carrying the
 * emulator's time scale. A route that throws answers `fail(response, error)` (the cloud's 500),
 * or drops the connection once the headers are out.
 */
export async function serveCloud(
  cloud: CloudJobs,
  port: number | undefined,
  route: (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<unknown>,
  fail: (response: ServerResponse, error: unknown) => void,
): Promise<CloudServer> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    response.setHeader(TIME_SCALE_HEADER, String(cloud.timeScale));
    route(request, response, url).catch((error: unknown) => {
      if (!response.headersSent) fail(response, error);
      else response.destroy();
    });
  });
  const bound = await listen(server, port ?? 0);
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
