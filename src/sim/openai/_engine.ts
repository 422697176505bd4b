/**
 * The OpenAI emulator's state (internal): files and batches on a simulated clock, and the run of
 * each batch on the OpenAI cache model. A batch validates its input file (one model, one endpoint,
 * ≤ 50,000 lines, ≤ 200 MB, every line `{custom_id, method: "POST", url, body}`), then runs its
 * requests in rounds of `concurrency` (a round's requests read before any of them writes: they
 * start together), finalizes and completes with an output file and an error file (reference
 * §4.2-4.5). Requests of all batches run on one cache, in simulated-time order.
 */

import { modelTableOf } from "../../pricing/models.js";
import { rowOf } from "../../pricing/unknown-model.js";
import { cacheModeOf } from "../../targets/openai/caching.js";
import { ENDPOINTS, MAX_BYTES, MAX_REQUESTS } from "../../targets/openai/limits.js";
import { MODEL_TABLE } from "../../targets/openai/models.js";
import { O200kCounter } from "../../targets/openai/tokens.js";
import { validateOpenAILine } from "../../targets/openai/validate.js";
import { isObject } from "../../util/json.js";
import { chatCompletion, errorBody, outputTokens, responseBody } from "./_bodies.js";
import { OpenAICacheModel, promptView } from "./cache.js";

export interface FileRecord {
  id: string;
  object: "file";
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: "processed";
  content: Buffer;
}

interface Item {
  customId: string;
  body: Record<string, unknown>;
  /** A request the API refuses (400/404), with its error body and status. */
  refused?: { status: number; body: unknown };
}

export interface BatchRecord {
  obj: Record<string, unknown> & { id: string; status: string; created_at: number };
  items: Item[];
  /** Index of the next request to run. */
  next: number;
  /** Simulated ms when the next round starts. */
  nextRound: number;
  outputs: string[];
  errors: string[];
  usage: { input: number; cached: number; output: number };
}

export interface EngineOptions {
  /** Simulated ms per real ms. @default 60 */
  timeScale?: number;
  /** Requests of one batch that start together. @default 64 */
  concurrency?: number;
  /** Simulated ms a batch validates. @default 60,000 */
  validateMs?: number;
  /** Simulated ms a round of requests takes. @default 20,000 */
  roundMs?: number;
  /** Simulated ms a batch finalizes. @default 30,000 */
  finalizeMs?: number;
  /**
   * Batch creates whose answer is dropped after the batch is made (the connection is closed), to
   * test adoption after a lost answer. @default 0
   */
  loseCreateAnswers?: number;
  /** Batch creates whose answer never comes (the connection stays open): a crash mid-create. @default 0 */
  hangCreateAnswers?: number;
}

const DAY_S = 24 * 3600;

export class OpenAIEngine {
  readonly files = new Map<string, FileRecord>();
  readonly batches = new Map<string, BatchRecord>();
  readonly cache = new OpenAICacheModel();
  readonly counter = new O200kCounter();
  readonly models = modelTableOf({ models: MODEL_TABLE });
  readonly timeScale: number;
  /** Creates whose answer is still to be dropped (see `EngineOptions.loseCreateAnswers`). */
  loseCreateAnswers: number;
  /** Creates whose answer is still to be held back (see `EngineOptions.hangCreateAnswers`). */
  hangCreateAnswers: number;
  readonly #concurrency: number;
  readonly #validateMs: number;
  readonly #roundMs: number;
  readonly #finalizeMs: number;
  readonly #realStart = Date.now();
  readonly #simStart = Date.UTC(2026, 10, 1);
  #ids = 0;

  constructor(options: EngineOptions = {}) {
    this.timeScale = options.timeScale ?? 60;
    this.loseCreateAnswers = options.loseCreateAnswers ?? 0;
    this.hangCreateAnswers = options.hangCreateAnswers ?? 0;
    this.#concurrency = options.concurrency ?? 64;
    this.#validateMs = options.validateMs ?? 60_000;
    this.#roundMs = options.roundMs ?? 20_000;
    this.#finalizeMs = options.finalizeMs ?? 30_000;
  }

  /** Simulated now, in ms. */
  now(): number {
    return this.#simStart + (Date.now() - this.#realStart) * this.timeScale;
  }

  id(prefix: string): string {
    this.#ids += 1;
    return `${prefix}${this.#ids.toString(16).padStart(8, "0")}${((this.#ids * 2654435761) >>> 0).toString(36)}`;
  }

  addFile(filename: string, purpose: string, content: Buffer): FileRecord {
    const file: FileRecord = {
      id: this.id("file-"),
      object: "file",
      bytes: content.length,
      created_at: Math.floor(this.now() / 1000),
      filename,
      purpose,
      status: "processed",
      content,
    };
    this.files.set(file.id, file);
    return file;
  }

  createBatch(input: {
    input_file_id: string;
    endpoint: string;
    metadata: Record<string, string> | null;
  }): BatchRecord {
    const created = Math.floor(this.now() / 1000);
    const batch: BatchRecord = {
      obj: {
        id: this.id("batch_"),
        object: "batch",
        endpoint: input.endpoint,
        model: null,
        errors: null,
        input_file_id: input.input_file_id,
        completion_window: "24h",
        status: "validating",
        output_file_id: null,
        error_file_id: null,
        created_at: created,
        in_progress_at: null,
        expires_at: created + DAY_S,
        finalizing_at: null,
        completed_at: null,
        failed_at: null,
        expired_at: null,
        cancelling_at: null,
        cancelled_at: null,
        request_counts: { total: 0, completed: 0, failed: 0 },
        metadata: input.metadata,
      },
      items: [],
      next: 0,
      nextRound: 0,
      outputs: [],
      errors: [],
      usage: { input: 0, cached: 0, output: 0 },
    };
    this.batches.set(batch.obj.id, batch);
    return batch;
  }

  /** Moves every batch forward to simulated now, rounds of all batches in time order. */
  advance(): void {
    const now = this.now();
    for (;;) {
      let soonest: BatchRecord | undefined;
      let at = Number.POSITIVE_INFINITY;
      for (const b of this.batches.values()) {
        const t = this.#nextEvent(b);
        if (t <= now && t < at) {
          at = t;
          soonest = b;
        }
      }
      if (soonest === undefined) return;
      this.#step(soonest, at);
    }
  }

  #nextEvent(b: BatchRecord): number {
    const o = b.obj;
    switch (o.status) {
      case "validating":
        return o.created_at * 1000 + this.#validateMs;
      case "in_progress":
        return b.nextRound;
      case "finalizing":
        return (o.finalizing_at as number) * 1000 + this.#finalizeMs;
      case "cancelling":
        return (o.cancelling_at as number) * 1000 + 1000;
      default:
        return Number.POSITIVE_INFINITY;
    }
  }

  #step(b: BatchRecord, at: number): void {
    const o = b.obj;
    const sec = Math.floor(at / 1000);
    if (
      at >= (o.expires_at as number) * 1000 &&
      (o.status === "in_progress" || o.status === "validating")
    ) {
      this.#endRemaining(
        b,
        "batch_expired",
        "This request could not be executed before the completion window expired.",
      );
      this.#close(b, "expired", sec);
      return;
    }
    if (o.status === "validating") {
      const problem = this.#validate(b);
      if (problem) {
        o.status = "failed";
        o.failed_at = sec;
        o.errors = { object: "list", data: [problem] };
        return;
      }
      o.status = "in_progress";
      o.in_progress_at = sec;
      b.nextRound = at;
      return;
    }
    if (o.status === "in_progress") {
      this.#round(b, at);
      if (b.next >= b.items.length) {
        o.status = "finalizing";
        o.finalizing_at = Math.floor((at + this.#roundMs) / 1000);
      } else b.nextRound = at + this.#roundMs;
      return;
    }
    if (o.status === "finalizing") this.#close(b, "completed", sec);
    else if (o.status === "cancelling") {
      this.#endRemaining(
        b,
        "batch_cancelled",
        "This request was not executed because the batch was cancelled.",
      );
      this.#close(b, "cancelled", sec);
    }
  }

  /** The input file's problem, or `undefined` when the batch may run (its items are set). */
  #validate(b: BatchRecord): { code: string; message: string; line?: number } | undefined {
    const file = this.files.get(b.obj.input_file_id as string);
    if (!file) return { code: "invalid_file", message: "The input file no longer exists." };
    if (file.bytes > MAX_BYTES)
      return {
        code: "file_too_large",
        message: "The input file is larger than the 200 MB maximum.",
      };
    const lines = file.content
      .toString("utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
    if (lines.length > MAX_REQUESTS)
      return {
        code: "too_many_requests",
        message: `The batch has ${lines.length} requests; the maximum is 50,000.`,
      };
    if (lines.length === 0) return { code: "empty_file", message: "The input file is empty." };
    let model: string | undefined;
    const ids = new Set<string>();
    for (const [i, text] of lines.entries()) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return {
          code: "invalid_json_line",
          message: "This line is not parseable as valid JSON.",
          line: i + 1,
        };
      }
      if (!isObject(value) || typeof value.custom_id !== "string" || !isObject(value.body))
        return {
          code: "invalid_request",
          message: "Each line needs `custom_id`, `method`, `url` and `body`.",
          line: i + 1,
        };
      if (ids.has(value.custom_id))
        return {
          code: "duplicate_custom_id",
          message: `The custom_id ${value.custom_id} is used more than once.`,
          line: i + 1,
        };
      ids.add(value.custom_id);
      if (value.url !== b.obj.endpoint)
        return {
          code: "mismatched_endpoint",
          message: `The url ${String(value.url)} does not match the batch endpoint ${String(b.obj.endpoint)}.`,
          line: i + 1,
        };
      const m = String(value.body.model);
      if (model !== undefined && m !== model)
        return {
          code: "mismatched_model",
          message: "Each input file can only include requests to a single model.",
          line: i + 1,
        };
      model = m;
      b.items.push(this.#item(value));
    }
    b.obj.model = model ?? null;
    b.obj.request_counts = { total: b.items.length, completed: 0, failed: 0 };
    return undefined;
  }

  #item(value: Record<string, unknown>): Item {
    const customId = value.custom_id as string;
    const body = value.body as Record<string, unknown>;
    const check = validateOpenAILine(value);
    if (!check.ok)
      return {
        customId,
        body,
        refused: {
          status: 400,
          body: errorBody(check.reason, "invalid_request_error", check.kind),
        },
      };
    if (!rowOf(this.models, String(body.model)).known)
      return {
        customId,
        body,
        refused: {
          status: 404,
          body: errorBody(
            `The model \`${String(body.model)}\` does not exist or you do not have access to it.`,
            "invalid_request_error",
            "model_not_found",
          ),
        },
      };
    return { customId, body };
  }

  /** Runs one round: reads at `at` for all, then the writes. */
  #round(b: BatchRecord, at: number): void {
    const round = b.items.slice(b.next, b.next + this.#concurrency);
    b.next += round.length;
    const runs = round.map((it) =>
      it.refused ? undefined : { it, view: promptView(it.body, this.counter) },
    );
    const cached = runs.map((r) => (r ? this.cache.read(r.view, at) : 0));
    runs.forEach((r, k) => {
      const it = round[k]!;
      if (!r) {
        this.#refuse(b, it);
        return;
      }
      const written = this.cache.write(r.view, cached[k]!, at);
      const body = this.serveBody(it.customId, it.body, r.view.total, cached[k]!, written, at);
      b.outputs.push(
        JSON.stringify({
          id: this.id("batch_req_"),
          custom_id: it.customId,
          response: { status_code: 200, request_id: this.id("req_"), body },
          error: null,
        }),
      );
      const counts = b.obj.request_counts as { completed: number };
      counts.completed += 1;
      b.usage.input += r.view.total;
      b.usage.cached += cached[k]!;
      b.usage.output +=
        (body.usage as { completion_tokens?: number; output_tokens?: number }).completion_tokens ??
        (body.usage as { output_tokens: number }).output_tokens;
    });
  }

  /** The response body of a request served at `at`. */
  serveBody(
    customId: string,
    body: Record<string, unknown>,
    prompt: number,
    cached: number,
    written: number,
    at: number,
  ): Record<string, unknown> {
    const model = String(body.model);
    const u = {
      prompt,
      cached,
      written,
      output: outputTokens(customId, body),
      writes: cacheModeOf(model) === "explicit",
    };
    const created = Math.floor(at / 1000);
    return "messages" in body
      ? chatCompletion(this.id(""), model, created, u)
      : responseBody(this.id(""), model, created, u);
  }

  #refuse(b: BatchRecord, it: Item): void {
    b.errors.push(
      JSON.stringify({
        id: this.id("batch_req_"),
        custom_id: it.customId,
        response: {
          status_code: it.refused!.status,
          request_id: this.id("req_"),
          body: it.refused!.body,
        },
        error: null,
      }),
    );
    (b.obj.request_counts as { failed: number }).failed += 1;
  }

  #endRemaining(b: BatchRecord, code: string, message: string): void {
    for (const it of b.items.slice(b.next))
      b.errors.push(
        JSON.stringify({
          id: this.id("batch_req_"),
          custom_id: it.customId,
          response: null,
          error: { code, message },
        }),
      );
    b.next = b.items.length;
  }

  #close(b: BatchRecord, status: string, sec: number): void {
    const o = b.obj;
    o.status = status;
    o[`${status}_at`] = sec;
    if (b.outputs.length > 0)
      o.output_file_id = this.addFile(
        `${o.id}_output.jsonl`,
        "batch_output",
        Buffer.from(`${b.outputs.join("\n")}\n`),
      ).id;
    if (b.errors.length > 0)
      o.error_file_id = this.addFile(
        `${o.id}_error.jsonl`,
        "batch_output",
        Buffer.from(`${b.errors.join("\n")}\n`),
      ).id;
    o.usage = {
      input_tokens: b.usage.input,
      input_tokens_details: { cached_tokens: b.usage.cached },
      output_tokens: b.usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: b.usage.input + b.usage.output,
    };
  }

  /** Asks a batch to cancel. */
  cancel(b: BatchRecord): void {
    const o = b.obj;
    if (o.status !== "validating" && o.status !== "in_progress") return;
    o.status = "cancelling";
    o.cancelling_at = Math.floor(this.now() / 1000);
  }
}

export { ENDPOINTS };
