/**
 * Vertex AI batch prediction for Claude as a runner backend (`src/run/backend.ts`), through
 * `@google-cloud/storage` and `@google/genai` (other-batch-systems.md §3.2-§3.5): a batch is its
 * file uploaded to `<bucket>/cacheplan/<tag>/input/` and one batch prediction job whose display
 * name is the adoption tag, its output under `…/output/`; results are the JSONL files under the
 * job's `outputInfo.gcsOutputDirectory`, matched by `custom_id` (order uncertain, §3.4). Ids are
 * the job resource name's last segment; the name is rebuilt from the project and location. Jobs
 * beyond the project's 4 concurrent ones queue on Vertex's side (§3.3); the runner's waves put the
 * primer job first.
 */
import type { BatchBackend, BatchInfo, CallOptions, CreateInput } from "../../run/backend.js";
import {
  jsonLines,
  newestFirst,
  notCreatedIfFailed,
  placeBatch,
  scaleFor,
  sdkCall,
  splitBucketUri,
  TAG_PATTERN,
  targetJsonl,
  yieldAll,
} from "../_cloud-backend.js";
import { vertexJobModel } from "../model-ids.js";
import type { VertexClient } from "./client.js";
import { toVertexLine } from "./format.js";
import { VERTEX_MAX_CONCURRENT_JOBS } from "./limits.js";
import { readResult } from "./results.js";
import { USAGE_FIELDS } from "./usage.js";

type Job = import("@google/genai").BatchJob;

/** A job id: the last segment of `projects/…/batchPredictionJobs/<id>` (digits). */
export const VERTEX_JOB_ID = /^[0-9]{1,32}$/;

const RUNNING = new Set([
  "JOB_STATE_QUEUED",
  "JOB_STATE_PENDING",
  "JOB_STATE_RUNNING",
  "JOB_STATE_UPDATING",
  "JOB_STATE_PAUSED",
]);
const iso = (s: string | undefined) => s ?? new Date(0).toISOString();
const int = (s: unknown) => (s === undefined || s === null ? 0 : Number(s));

/** A job as the runner knows batches: `JobState` mapped (§3.5), counts from `completionStats`. */
export function infoOfVertexJob(job: Job, timeScale?: number): BatchInfo {
  const state = String(job.state);
  const stats = job.completionStats;
  const ok = int(stats?.successfulCount);
  const failed = int(stats?.failedCount);
  const incomplete = int(stats?.incompleteCount);
  const ended = !RUNNING.has(state) && state !== "JOB_STATE_CANCELLING";
  return {
    id: String(job.name).split("/").at(-1)!,
    state: ended ? "ended" : state === "JOB_STATE_CANCELLING" ? "canceling" : "in_progress",
    counts: {
      processing: ended ? 0 : incomplete,
      succeeded: ok,
      errored: failed,
      canceled: state === "JOB_STATE_CANCELLED" ? incomplete : 0,
      expired: state === "JOB_STATE_EXPIRED" ? incomplete : 0,
    },
    createdAt: iso(job.createTime),
    // No completion window is documented for Claude batches (§3.3 [U]); 24 h is assumed.
    expiresAt: new Date(Date.parse(iso(job.createTime)) + 24 * 3_600_000).toISOString(),
    endedAt: ended ? iso(job.endTime ?? job.updateTime) : null,
    cancelInitiatedAt:
      state === "JOB_STATE_CANCELLING" || state === "JOB_STATE_CANCELLED"
        ? iso(job.updateTime)
        : null,
    archived: false,
    tag: TAG_PATTERN.test(String(job.displayName)) ? String(job.displayName) : null,
    ...(state === "JOB_STATE_FAILED" && job.error?.message
      ? { failure: String(job.error.message) }
      : {}),
    ...(timeScale === undefined ? {} : { timeScale }),
    raw: job,
  };
}

/** A runner backend on Vertex AI through `client`. */
export function vertexBackend(client: VertexClient): BatchBackend {
  const { genai, storage, config } = client;
  const scale = scaleFor(config.endpoint, config.timeScale);
  const nameOf = (id: string) =>
    `projects/${config.project}/locations/${config.location}/batchPredictionJobs/${id}`;
  const signal = (o: CallOptions) => ({ abortSignal: o.signal });

  async function get(id: string, o: CallOptions): Promise<BatchInfo> {
    const job = await sdkCall("batches.get", () =>
      genai.batches.get({ name: nameOf(id), config: signal(o) }),
    );
    return infoOfVertexJob(job, scale);
  }

  async function list(o: CallOptions): Promise<BatchInfo[]> {
    const out: BatchInfo[] = [];
    const pager = await sdkCall("batches.list", () =>
      genai.batches.list({ config: { pageSize: 100, ...signal(o) } }),
    );
    for (const job of pager.page) out.push(infoOfVertexJob(job, scale));
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  return {
    target: "vertex",
    name: "Vertex AI",
    batchNoun: "batch prediction job",
    idPattern: VERTEX_JOB_ID,
    idShape: "the job resource name's last segment (digits)",
    endpointEnv: "CACHEPLAN_VERTEX_ENDPOINT",
    adoption: "tag",
    // "up to four concurrent batch requests in a single project" (§3.3): the runner keeps to it.
    maxConcurrent: VERTEX_MAX_CONCURRENT_JOBS,
    secrets: [],
    usage: USAGE_FIELDS,
    readResult,
    async create(input: CreateInput, o: CallOptions) {
      const at = placeBatch(
        input,
        {
          bucket: config.bucket,
          scheme: "gs",
          ready: Boolean(config.project && config.location),
          missing:
            "Vertex AI batch prediction needs a Cloud Storage location, a project and a regional location: pass `--bucket gs://bucket/prefix` and set GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION (e.g. us-east5).",
        },
        { noun: "Vertex job", target: "vertex" },
      );
      const { keys, model } = at;
      await sdkCall("upload", () =>
        storage.bucket(at.bucket).file(keys.input).save(targetJsonl(toVertexLine, input.requests), {
          resumable: false,
          contentType: "application/jsonl",
        }),
      );
      const job = await sdkCall("batches.create", () =>
        genai.batches.create({
          model: `publishers/anthropic/models/${vertexJobModel(model)}`,
          src: `gs://${at.bucket}/${keys.input}`,
          config: {
            displayName: input.tag,
            dest: `gs://${at.bucket}/${keys.output}`,
            ...signal(o),
          },
        }),
      );
      return infoOfVertexJob(job, scale);
    },
    retrieve: get,
    async cancel(id: string, o: CallOptions) {
      const before = await get(id, o);
      if (before.state === "in_progress")
        await sdkCall("batches.cancel", () =>
          genai.batches.cancel({ name: nameOf(id), config: signal(o) }),
        );
      return get(id, o);
    },
    async results(id: string, o: CallOptions) {
      const job = (await get(id, o)).raw as Job;
      const dir = splitBucketUri(String(job.outputInfo?.gcsOutputDirectory ?? ""), "gs");
      if (!dir) return yieldAll([]);
      const [files] = await sdkCall("list output", () =>
        storage.bucket(dir.bucket).getFiles({ prefix: dir.prefix }),
      );
      const lines: unknown[] = [];
      for (const file of files
        .filter((f) => f.name.endsWith(".jsonl"))
        .sort((a, b) => a.name.localeCompare(b.name))) {
        const [bytes] = await sdkCall("download output", () => file.download());
        lines.push(...jsonLines(bytes.toString("utf8")));
      }
      return yieldAll(lines);
    },
    // A failed upload comes before the job could exist: nothing was created.
    createOutcome: notCreatedIfFailed("upload"),
    ...newestFirst(list),
  };
}
