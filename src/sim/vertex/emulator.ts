/**
 * An offline Vertex AI batch prediction emulator for Claude on 127.0.0.1 (issue 15 item 4): the
 * Cloud Storage routes of `_gcs.ts` and the batch prediction calls `@google/genai` 2 makes with
 * `vertexai: true` and `httpOptions.baseUrl` — `POST /v1beta1/projects/{p}/locations/{l}/batchPredictionJobs`,
 * `GET …/batchPredictionJobs/{id}`, `GET …/batchPredictionJobs` (list), `POST …/{id}:cancel` — on
 * one port. A job reads its `{custom_id, request}` JSONL from the emulated Cloud Storage, runs the
 * requests on the simulator with caching as Anthropic's (`cache_control` honoured, caches per
 * project: other-batch-systems.md §3.6), at most 4 jobs at once per project (the rest wait as
 * `JOB_STATE_QUEUED`, §3.3), and writes `predictions.jsonl` under
 * `<outputUriPrefix>/prediction-model-<id>/`, each line `{custom_id, request, response, status}`
 * in completion order (the real schema and order are uncertain, §3.4). A project listed in
 * `cachingDisabledProjects` refuses requests carrying `cache_control` (§3.6, VX-PC).
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { modelIdsOf } from "../../targets/model-ids.js";
import { VERTEX_ANTHROPIC_VERSION } from "../../targets/vertex/format.js";
import { VERTEX_MAX_CONCURRENT_JOBS } from "../../targets/vertex/limits.js";
import type { BatchRequest } from "../../types.js";
import { isObject } from "../../util/json.js";
import {
  type CloudEmulatorOptions,
  CloudJobs,
  engineParams,
  parseLines,
  serveCloud,
} from "../_cloud-jobs.js";
import type { BatchRun } from "../_emulator-batch.js";
import { readBytes } from "../_s3.js";
import { handleGcs, ObjectStore, parseGsUri } from "./_gcs.js";

/** Options of the Vertex emulator. */
export interface VertexEmulatorOptions extends CloudEmulatorOptions {
  /** Jobs running at once per project. @default 4 (§3.3) */
  maxConcurrentJobs?: number;
  /** Projects whose prompt caching is disabled: requests with `cache_control` fail (§3.6). */
  cachingDisabledProjects?: string[];
}

/** A running Vertex emulator. */
export interface VertexEmulator {
  /** `http://127.0.0.1:<port>`: `httpOptions.baseUrl` and the storage `apiEndpoint`. */
  url: string;
  port: number;
  store: ObjectStore;
  jobs(): ReadonlyMap<string, VertexJob>;
  close(): Promise<void>;
}

interface Line {
  custom_id: string;
  request: Record<string, unknown>;
}

/** One job. */
export interface VertexJob {
  id: string;
  name: string;
  project: string;
  location: string;
  displayName: string;
  model: string;
  labels: unknown;
  input: string[];
  output: string;
  createTime: number;
  lines: Line[];
  run: BatchRun | undefined;
  failed: string | undefined;
  cancelled: boolean;
  written: boolean;
  /** Set once a slot was free and the job started (queued before). */
  queued: boolean;
  /** Whether it had to wait for a slot (more than 4 jobs of its project at once). */
  waited: boolean;
  anthropicModel: string;
}

type Json = Record<string, unknown>;

function googleError(
  response: ServerResponse,
  code: number,
  status: string,
  message: string,
): void {
  response.writeHead(code, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: { code, message, status } }));
}

const iso = (ms: number) => new Date(Math.round(ms)).toISOString();

class VertexControl {
  readonly jobs = new Map<string, VertexJob>();
  constructor(
    readonly cloud: CloudJobs,
    readonly store: ObjectStore,
    readonly maxConcurrent: number,
    readonly noCaching: ReadonlySet<string>,
  ) {}

  #read(job: VertexJob): string | undefined {
    for (const uri of job.input) {
      const at = parseGsUri(uri);
      const body = at ? this.store.get(at.bucket, at.key) : undefined;
      if (!at || body === undefined) return `Input ${uri} was not found.`;
      for (const [i, line] of parseLines(body.toString("utf8")).entries()) {
        if (!isObject(line) || typeof line.custom_id !== "string" || !isObject(line.request))
          return `Invalid JSONL: ${uri} line ${i + 1} is not a {"custom_id", "request"} record.`;
        job.lines.push({ custom_id: line.custom_id, request: line.request });
      }
    }
    return job.lines.length === 0 ? "The input holds no requests." : undefined;
  }

  create(project: string, location: string, body: Json): { code: number; json: Json } {
    const model = String(body.model ?? "");
    const id = /publishers\/anthropic\/models\/([^/]+)$/.exec(model)?.[1];
    const anthropic = id === undefined ? undefined : modelIdsOf(id)?.anthropic;
    if (anthropic === undefined)
      return {
        code: 404,
        json: { message: `Publisher model \`${model}\` not found.`, status: "NOT_FOUND" },
      };
    const input = ((body.inputConfig as Json | undefined)?.gcsSource as Json | undefined)?.uris;
    const output = ((body.outputConfig as Json | undefined)?.gcsDestination as Json | undefined)
      ?.outputUriPrefix;
    if (!Array.isArray(input) || typeof output !== "string")
      return {
        code: 400,
        json: {
          message:
            "inputConfig.gcsSource.uris and outputConfig.gcsDestination.outputUriPrefix are required.",
          status: "INVALID_ARGUMENT",
        },
      };
    const jobId = String(BigInt(`0x${randomBytes(7).toString("hex")}`));
    const job: VertexJob = {
      id: jobId,
      name: `projects/${project}/locations/${location}/batchPredictionJobs/${jobId}`,
      project,
      location,
      displayName: String(body.displayName ?? ""),
      model,
      labels: body.labels,
      input: input.map(String),
      output,
      createTime: this.cloud.now(),
      lines: [],
      run: undefined,
      failed: undefined,
      cancelled: false,
      written: false,
      queued: true,
      waited: false,
      anthropicModel: anthropic,
    };
    job.failed = this.#read(job);
    this.jobs.set(jobId, job);
    return { code: 200, json: this.view(job) };
  }

  /** Starts queued jobs while their project has a free slot (4 by default, §3.3). */
  async pump(): Promise<void> {
    this.cloud.advance();
    for (const job of this.jobs.values()) {
      if (!job.queued || job.failed || job.cancelled) continue;
      const running = [...this.jobs.values()].filter(
        (j) => j.project === job.project && j.run !== undefined && !this.cloud.ended(j.run),
      ).length;
      if (running >= this.maxConcurrent) {
        job.waited = true;
        continue;
      }
      job.queued = false;
      job.run = await this.cloud.start(this.#requests(job), job.project);
    }
  }

  #requests(job: VertexJob): BatchRequest[] {
    return job.lines.map(
      (line) =>
        ({
          custom_id: line.custom_id,
          params: engineParams(line.request, job.anthropicModel, VERTEX_ANTHROPIC_VERSION),
        }) as unknown as BatchRequest,
    );
  }

  state(job: VertexJob): string {
    if (job.failed) return "JOB_STATE_FAILED";
    if (job.run === undefined) return job.cancelled ? "JOB_STATE_CANCELLED" : "JOB_STATE_QUEUED";
    if (this.cloud.ended(job.run)) {
      this.#write(job);
      if (job.cancelled) return "JOB_STATE_CANCELLED";
      const c = this.cloud.counts(job.run);
      if (c.succeeded === 0) return "JOB_STATE_FAILED";
      return c.errored + c.expired > 0 ? "JOB_STATE_PARTIALLY_SUCCEEDED" : "JOB_STATE_SUCCEEDED";
    }
    if (job.cancelled) return "JOB_STATE_CANCELLING";
    return this.cloud.now() < job.run.startedAt ? "JOB_STATE_PENDING" : "JOB_STATE_RUNNING";
  }

  #outputDir(job: VertexJob): string {
    return `${job.output.replace(/\/$/, "")}/prediction-model-${job.id}`;
  }

  /** Writes `predictions.jsonl` once the job has ended, lines in completion order. */
  #write(job: VertexJob): void {
    if (job.written || job.run === undefined) return;
    job.written = true;
    const dir = parseGsUri(this.#outputDir(job));
    if (!dir) return;
    const lines = job.run.done.map((index) => {
      const line = job.lines[index]!;
      const result = job.run!.results[index]!.result;
      if (result.type === "succeeded")
        return {
          custom_id: line.custom_id,
          request: line.request,
          response: result.message,
          status: "",
        };
      const message =
        result.type === "errored"
          ? ((result.error as unknown as { error?: { message?: string } }).error?.message ??
            "error")
          : `Request ${result.type}.`;
      return { custom_id: line.custom_id, request: line.request, status: message };
    });
    const text = lines.map((l) => `${JSON.stringify(l)}\n`).join("");
    this.store.put(dir.bucket, `${dir.key}/predictions.jsonl`, Buffer.from(text));
  }

  view(job: VertexJob): Json {
    const state = this.state(job);
    const c = job.run ? this.cloud.counts(job.run) : undefined;
    const ended = job.run ? this.cloud.endedAt(job.run) : null;
    const done = [
      "JOB_STATE_SUCCEEDED",
      "JOB_STATE_PARTIALLY_SUCCEEDED",
      "JOB_STATE_FAILED",
      "JOB_STATE_CANCELLED",
    ].includes(state);
    return {
      name: job.name,
      displayName: job.displayName,
      model: job.model,
      ...(job.labels ? { labels: job.labels } : {}),
      inputConfig: { instancesFormat: "jsonl", gcsSource: { uris: job.input } },
      outputConfig: { predictionsFormat: "jsonl", gcsDestination: { outputUriPrefix: job.output } },
      state,
      createTime: iso(this.cloud.wallOf(job.createTime)),
      updateTime: iso(this.cloud.wallOf(this.cloud.now())),
      ...(job.run ? { startTime: iso(this.cloud.wallOf(job.run.startedAt)) } : {}),
      ...(done ? { endTime: iso(this.cloud.wallOf(ended ?? job.createTime)) } : {}),
      ...(job.failed ? { error: { code: 3, message: job.failed } } : {}),
      ...(c
        ? {
            completionStats: {
              successfulCount: String(c.succeeded),
              failedCount: String(c.errored + c.expired),
              incompleteCount: String(c.processing + c.canceled),
            },
          }
        : {}),
      ...(done && job.run ? { outputInfo: { gcsOutputDirectory: this.#outputDir(job) } } : {}),
    };
  }

  cancel(job: VertexJob): boolean {
    const state = this.state(job);
    if (!["JOB_STATE_QUEUED", "JOB_STATE_PENDING", "JOB_STATE_RUNNING"].includes(state))
      return false;
    job.cancelled = true;
    if (job.run) this.cloud.cancel(job.run);
    return true;
  }
}

/** Requests carrying `cache_control` anywhere. */
const hasMarker = (value: unknown): boolean => JSON.stringify(value).includes('"cache_control"');

async function handleVertex(
  control: VertexControl,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<boolean> {
  const m =
    /^\/v1(?:beta1)?\/projects\/([^/]+)\/locations\/([^/]+)\/batchPredictionJobs(?:\/([^/:]+))?(:cancel)?$/.exec(
      path,
    );
  if (!m) return false;
  const [, project, location, id, cancel] = m as unknown as [
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  const method = request.method ?? "GET";
  const text = (await readBytes(request)).toString("utf8");
  await control.pump();
  const json = (body: unknown) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  if (method === "POST" && id === undefined) {
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      googleError(response, 400, "INVALID_ARGUMENT", "The request body is not JSON.");
      return true;
    }
    const out = control.create(project, location, body);
    if (out.code !== 200)
      googleError(response, out.code, String(out.json.status), String(out.json.message));
    else {
      await control.pump();
      json(control.view(control.jobs.get(String(out.json.name).split("/").at(-1)!)!));
    }
    return true;
  }
  if (method === "GET" && id === undefined) {
    const size = Number(query.get("pageSize") ?? 100);
    const start = Number(query.get("pageToken") ?? 0);
    const all = [...control.jobs.values()]
      .filter((j) => j.project === project && j.location === location)
      .sort((a, b) => b.createTime - a.createTime)
      .map((j) => control.view(j));
    json({
      batchPredictionJobs: all.slice(start, start + size),
      ...(start + size < all.length ? { nextPageToken: String(start + size) } : {}),
    });
    return true;
  }
  const job = id === undefined ? undefined : control.jobs.get(id);
  if (!job || job.project !== project) {
    googleError(response, 404, "NOT_FOUND", `Batch prediction job ${id} was not found.`);
    return true;
  }
  if (method === "GET" && !cancel) json(control.view(job));
  else if (method === "POST" && cancel) {
    if (control.cancel(job)) json({});
    else
      googleError(
        response,
        400,
        "FAILED_PRECONDITION",
        `The job is ${control.state(job)}; it cannot be cancelled.`,
      );
  } else googleError(response, 404, "NOT_FOUND", `The emulator does not serve ${method} ${path}.`);
  return true;
}

/**
 * Starts the Vertex emulator. Point `@google/genai` (`vertexai: true`, `httpOptions.baseUrl`) and
 * `@google-cloud/storage` (`apiEndpoint`, or `STORAGE_EMULATOR_HOST`) at `url`.
 */
export async function startVertexEmulator(
  options: VertexEmulatorOptions = {},
): Promise<VertexEmulator> {
  const noCaching = new Set(options.cachingDisabledProjects ?? []);
  const cloud = new CloudJobs(options, (request, workspace) =>
    noCaching.has(workspace) && hasMarker(request.params)
      ? "Prompt caching is disabled for this project; requests carrying `cache_control` are rejected."
      : undefined,
  );
  const store = new ObjectStore();
  const control = new VertexControl(
    cloud,
    store,
    options.maxConcurrentJobs ?? VERTEX_MAX_CONCURRENT_JOBS,
    noCaching,
  );
  const server = await serveCloud(
    cloud,
    options.port,
    async (request, response, url) => {
      if (await handleVertex(control, request, response, url.pathname, url.searchParams)) return;
      if (await handleGcs(store, request, response, url.pathname, url.searchParams)) return;
      request.resume();
      googleError(
        response,
        404,
        "NOT_FOUND",
        `The emulator does not serve ${request.method} ${url.pathname}.`,
      );
    },
    (response, error) => googleError(response, 500, "INTERNAL", String(error)),
  );
  return { ...server, store, jobs: () => control.jobs };
}
