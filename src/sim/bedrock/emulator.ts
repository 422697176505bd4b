/**
 * An offline Amazon Bedrock batch inference emulator on 127.0.0.1 (issue 15 item 4): the S3 routes
 * of `_s3.ts` and the four control-plane calls `@aws-sdk/client-bedrock` makes —
 * CreateModelInvocationJob (`POST /model-invocation-job`), GetModelInvocationJob
 * (`GET /model-invocation-job/{jobIdentifier}`), ListModelInvocationJobs
 * (`GET /model-invocation-jobs`) and StopModelInvocationJob (`POST …/{jobIdentifier}/stop`), SDK
 * 3.x routes — on one port. A job reads its JSONL input from the emulated S3, checks it as
 * Bedrock's validation does (well-formed records, at least `minRecords`, a known model:
 * other-batch-systems.md §2.3, §2.5), runs the records on the simulator with caching off (batch
 * inference caches nothing, §2.6), and writes `<output>/<jobId>/<file>.out` (lines
 * `{recordId, modelInput, modelOutput | error}`, in completion order, not input order: §2.1) and
 * `manifest.json.out` (§2.4). Nothing is signed or checked against IAM.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BEDROCK_ANTHROPIC_VERSION } from "../../targets/bedrock/format.js";
import { BEDROCK_MIN_RECORDS } from "../../targets/bedrock/limits.js";
import { modelIdsOf } from "../../targets/model-ids.js";
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
import { handleS3, ObjectStore, parseS3Uri, readBytes } from "../_s3.js";

/** Options of the Bedrock emulator. */
export interface BedrockEmulatorOptions extends CloudEmulatorOptions {
  /** Buckets that exist from the start (others appear when written). */
  buckets?: string[];
  /** The "Minimum number of records per batch inference job" quota. @default 100 (§2.3) */
  minRecords?: number;
  /** Region in job ARNs. @default "us-east-1" */
  region?: string;
}

/** A running Bedrock emulator. */
export interface BedrockEmulator {
  /** `http://127.0.0.1:<port>`: the endpoint of both clients. */
  url: string;
  port: number;
  /** The emulated objects (for tests to look at what was written). */
  store: ObjectStore;
  /** Jobs created, by id. */
  jobs(): ReadonlyMap<string, BedrockJob>;
  close(): Promise<void>;
}

interface Record_ {
  file: number;
  recordId: string;
  modelInput: Record<string, unknown>;
}

/** One job. */
export interface BedrockJob {
  id: string;
  arn: string;
  name: string;
  modelId: string;
  roleArn: string;
  token: string | undefined;
  input: string;
  output: string;
  submitTime: number;
  records: Record_[];
  files: string[];
  run: BatchRun | undefined;
  failed: string | undefined;
  stopped: boolean;
  written: boolean;
  tags: unknown;
}

type Json = Record<string, unknown>;

function awsError(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
  response.end(JSON.stringify({ message }));
}

/** Bedrock's timestamps are RFC 3339 strings (the SDK's deserializer refuses numbers). */
const seconds = (ms: number) => new Date(Math.round(ms)).toISOString();

class BedrockControl {
  readonly jobs = new Map<string, BedrockJob>();
  readonly #byToken = new Map<string, BedrockJob>();
  constructor(
    readonly cloud: CloudJobs,
    readonly store: ObjectStore,
    readonly minRecords: number,
    readonly region: string,
  ) {}

  /** The input objects of an `s3Uri`: the object itself, or every `.jsonl` under the prefix. */
  #inputKeys(uri: string): { bucket: string; keys: string[] } | undefined {
    const at = parseS3Uri(uri);
    if (!at) return undefined;
    if (this.store.get(at.bucket, at.key) !== undefined)
      return { bucket: at.bucket, keys: [at.key] };
    const prefix = at.key === "" || at.key.endsWith("/") ? at.key : `${at.key}/`;
    return {
      bucket: at.bucket,
      keys: this.store.list(at.bucket, prefix).filter((k) => k.endsWith(".jsonl")),
    };
  }

  /** Reads and checks the input; the reason the job fails validation, or the records. */
  #validate(job: BedrockJob): string | undefined {
    const input = this.#inputKeys(job.input);
    if (!input || input.keys.length === 0) return `No JSONL input found at ${job.input}.`;
    for (const [file, key] of input.keys.entries()) {
      job.files.push(key);
      const lines = parseLines(this.store.get(input.bucket, key)!.toString("utf8"));
      for (const [i, line] of lines.entries()) {
        if (!isObject(line) || typeof line.recordId !== "string" || !isObject(line.modelInput))
          return `Invalid JSONL: ${key} line ${i + 1} is not a {"recordId", "modelInput"} record.`;
        job.records.push({ file, recordId: line.recordId, modelInput: line.modelInput });
      }
    }
    if (job.records.length < this.minRecords)
      return `The number of records (${job.records.length}) is less than the minimum number of records per batch inference job (${this.minRecords}) for ${job.modelId}.`;
    return undefined;
  }

  async create(body: Json): Promise<{ status: number; type?: string; json: Json }> {
    const need = ["jobName", "roleArn", "modelId", "inputDataConfig", "outputDataConfig"];
    const missing = need.filter((k) => body[k] === undefined);
    if (missing.length > 0)
      return {
        status: 400,
        type: "ValidationException",
        json: { message: `Missing ${missing.join(", ")}.` },
      };
    const token = typeof body.clientRequestToken === "string" ? body.clientRequestToken : undefined;
    const again = token ? this.#byToken.get(token) : undefined;
    if (again) return { status: 200, json: { jobArn: again.arn } };
    const modelId = String(body.modelId);
    const model = modelIdsOf(modelId)?.anthropic;
    if (model === undefined)
      return {
        status: 400,
        type: "ValidationException",
        json: { message: `The provided model identifier is invalid: ${modelId}.` },
      };
    const input = (body.inputDataConfig as Json).s3InputDataConfig as Json | undefined;
    const output = (body.outputDataConfig as Json).s3OutputDataConfig as Json | undefined;
    const id = randomBytes(6).toString("hex");
    const job: BedrockJob = {
      id,
      arn: `arn:aws:bedrock:${this.region}:000000000000:model-invocation-job/${id}`,
      name: String(body.jobName),
      modelId,
      roleArn: String(body.roleArn),
      token,
      input: String(input?.s3Uri ?? ""),
      output: String(output?.s3Uri ?? ""),
      submitTime: this.cloud.now(),
      records: [],
      files: [],
      run: undefined,
      failed: undefined,
      stopped: false,
      written: false,
      tags: body.tags,
    };
    job.failed = this.#validate(job);
    this.jobs.set(id, job);
    if (token) this.#byToken.set(token, job);
    if (job.failed === undefined)
      job.run = await this.cloud.start(this.#requests(job, model), job.id);
    return { status: 200, json: { jobArn: job.arn } };
  }

  /** The records as requests of the engine: `anthropic_version` checked and removed, the job's model. */
  #requests(job: BedrockJob, model: string): BatchRequest[] {
    return job.records.map(
      (r, i) =>
        ({
          custom_id: `r${i}`,
          params: engineParams(r.modelInput, model, BEDROCK_ANTHROPIC_VERSION),
        }) as unknown as BatchRequest,
    );
  }

  status(job: BedrockJob): string {
    if (job.failed !== undefined) return "Failed";
    const run = job.run!;
    if (this.cloud.ended(run)) {
      this.#write(job);
      if (job.stopped) return "Stopped";
      const c = this.cloud.counts(run);
      if (c.expired > 0) return c.succeeded > 0 ? "PartiallyCompleted" : "Expired";
      return c.errored > 0 ? "PartiallyCompleted" : "Completed";
    }
    if (job.stopped) return "Stopping";
    return this.cloud.now() < run.startedAt ? "Scheduled" : "InProgress";
  }

  /** Writes the output files once the job has ended: completion order, then the manifest (§2.4). */
  #write(job: BedrockJob): void {
    if (job.written || job.run === undefined) return;
    job.written = true;
    const out = parseS3Uri(job.output);
    if (!out) return;
    const prefix = `${out.key.replace(/\/?$/, "/")}${job.id}/`.replace(/^\//, "");
    const perFile = job.files.map((): string[] => []);
    let input = 0;
    let outputTokens = 0;
    const c = { success: 0, error: 0 };
    for (const index of job.run.done) {
      const record = job.records[index]!;
      const result = job.run.results[index]!.result;
      const base = { recordId: record.recordId, modelInput: record.modelInput };
      if (result.type === "succeeded") {
        const {
          cache_creation_input_tokens: _w,
          cache_read_input_tokens: _r,
          cache_creation: _c,
          ...usage
        } = result.message.usage as unknown as Json;
        input += Number(usage.input_tokens ?? 0);
        outputTokens += Number(usage.output_tokens ?? 0);
        c.success += 1;
        perFile[record.file]!.push(
          JSON.stringify({ ...base, modelOutput: { ...result.message, usage } }),
        );
      } else if (result.type === "errored") {
        c.error += 1;
        const message = (result.error as unknown as { error?: { message?: string } }).error
          ?.message;
        perFile[record.file]!.push(
          JSON.stringify({ ...base, error: { errorCode: 400, errorMessage: message ?? "error" } }),
        );
      }
    }
    job.files.forEach((key, f) => {
      const name = key.split("/").at(-1)!;
      const text = perFile[f]!.map((l) => `${l}\n`).join("");
      this.store.put(out.bucket, `${prefix}${name}.out`, Buffer.from(text));
    });
    const manifest = {
      totalRecordCount: job.records.length,
      processedRecordCount: c.success + c.error,
      successRecordCount: c.success,
      errorRecordCount: c.error,
      inputTokenCount: input,
      outputTokenCount: outputTokens,
    };
    this.store.put(out.bucket, `${prefix}manifest.json.out`, Buffer.from(JSON.stringify(manifest)));
  }

  view(job: BedrockJob): Json {
    const status = this.status(job);
    const ended = job.run ? this.cloud.endedAt(job.run) : job.submitTime;
    const c = job.run ? this.cloud.counts(job.run) : undefined;
    return {
      jobArn: job.arn,
      jobName: job.name,
      modelId: job.modelId,
      roleArn: job.roleArn,
      ...(job.token ? { clientRequestToken: job.token } : {}),
      status,
      ...(job.failed ? { message: job.failed } : {}),
      submitTime: seconds(this.cloud.wallOf(job.submitTime)),
      lastModifiedTime: seconds(this.cloud.wallOf(this.cloud.now())),
      ...(ended !== null &&
      status !== "InProgress" &&
      status !== "Scheduled" &&
      status !== "Stopping"
        ? { endTime: seconds(this.cloud.wallOf(ended)) }
        : {}),
      inputDataConfig: { s3InputDataConfig: { s3Uri: job.input, s3InputFormat: "JSONL" } },
      outputDataConfig: { s3OutputDataConfig: { s3Uri: job.output } },
      timeoutDurationInHours: 72,
      jobExpirationTime: seconds(this.cloud.wallOf(job.submitTime + 72 * 3_600_000)),
      modelInvocationType: "InvokeModel",
      ...(c
        ? {
            totalRecordCount: c.total,
            processedRecordCount: c.succeeded + c.errored,
            successRecordCount: c.succeeded,
            errorRecordCount: c.errored,
          }
        : { totalRecordCount: job.records.length }),
    };
  }

  find(identifier: string): BedrockJob | undefined {
    const id = identifier.split("/").at(-1)!;
    return this.jobs.get(id);
  }

  stop(job: BedrockJob): boolean {
    const status = this.status(job);
    if (!["Submitted", "Validating", "Scheduled", "InProgress"].includes(status)) return false;
    job.stopped = true;
    this.cloud.cancel(job.run!);
    return true;
  }
}

async function handleControl(
  control: BedrockControl,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const method = request.method ?? "GET";
  const json = (status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  if (method === "POST" && path === "/model-invocation-job") {
    const text = (await readBytes(request)).toString("utf8");
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      return awsError(response, 400, "ValidationException", "The request body is not JSON.");
    }
    const out = await control.create(body);
    if (out.type) return awsError(response, out.status, out.type, String(out.json.message));
    return json(200, out.json);
  }
  if (method === "GET" && path === "/model-invocation-jobs") {
    const after = Date.parse(query.get("submitTimeAfter") ?? "");
    const name = query.get("nameContains");
    const status = query.get("statusEquals");
    const max = Number(query.get("maxResults") ?? 1000);
    const start = Number(query.get("nextToken") ?? 0);
    const all = [...control.jobs.values()]
      .map((j) => control.view(j))
      .filter((v) => (name ? String(v.jobName).includes(name) : true))
      .filter((v) => (status ? v.status === status : true))
      .filter((v) => (Number.isNaN(after) ? true : Date.parse(String(v.submitTime)) > after))
      .sort((a, b) => Date.parse(String(b.submitTime)) - Date.parse(String(a.submitTime)));
    const page = all.slice(start, start + max);
    return json(200, {
      invocationJobSummaries: page,
      ...(start + max < all.length ? { nextToken: String(start + max) } : {}),
    });
  }
  const m = /^\/model-invocation-job\/([^/]+)(\/stop)?$/.exec(path);
  if (m) {
    const job = control.find(decodeURIComponent(m[1]!));
    request.resume();
    if (!job) return awsError(response, 404, "ResourceNotFoundException", "The job was not found.");
    if (method === "GET" && !m[2]) return json(200, control.view(job));
    if (method === "POST" && m[2]) {
      if (!control.stop(job))
        return awsError(
          response,
          400,
          "ValidationException",
          `The job is ${control.status(job)}; it cannot be stopped.`,
        );
      return json(200, {});
    }
  }
  request.resume();
  awsError(
    response,
    404,
    "UnknownOperationException",
    `The emulator does not serve ${method} ${path}.`,
  );
}

/**
 * Starts the Bedrock emulator. Point `@aws-sdk/client-bedrock` and `@aws-sdk/client-s3`
 * (`forcePathStyle: true`) at `url`; any credentials and region do.
 */
export async function startBedrockEmulator(
  options: BedrockEmulatorOptions = {},
): Promise<BedrockEmulator> {
  const cloud = new CloudJobs(options);
  const store = new ObjectStore(options.buckets);
  const control = new BedrockControl(
    cloud,
    store,
    options.minRecords ?? BEDROCK_MIN_RECORDS,
    options.region ?? "us-east-1",
  );
  const server = await serveCloud(
    cloud,
    options.port,
    (request, response, url) =>
      url.pathname.startsWith("/model-invocation-job")
        ? handleControl(control, request, response, url.pathname, url.searchParams)
        : handleS3(store, request, response, url.pathname, url.searchParams),
    (response, error) => awsError(response, 500, "InternalServerException", String(error)),
  );
  return { ...server, store, jobs: () => control.jobs };
}
