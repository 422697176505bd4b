/**
 * Amazon Bedrock batch inference as a runner backend (`src/run/backend.ts`), through
 * `@aws-sdk/client-s3` and `@aws-sdk/client-bedrock` (other-batch-systems.md §2.2-§2.5): a batch
 * is its file uploaded to `<bucket>/cacheplan/<tag>/input/` and one `CreateModelInvocationJob`
 * named by the adoption tag, with the tag as `clientRequestToken` (a repeated create answers the
 * same job) and as a job tag; results are the job's `<output>/<jobId>/*.jsonl.out` lines, mapped
 * back by `recordId` (any order, §2.1); `manifest.json.out` is checked against them. Ids are the
 * job ARN's last segment; the ARN is found again through the list when this process did not
 * create the job (resume).
 */
import type { BatchBackend, BatchInfo, CallOptions, CreateInput } from "../../run/backend.js";
import { BackendCallError } from "../../run/backend.js";
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
import { bedrockJobModel } from "../model-ids.js";
import { importPeer } from "../peer.js";
import type { BedrockClients } from "./client.js";
import { toBedrockLine } from "./format.js";
import { readResult } from "./results.js";
import { USAGE_FIELDS } from "./usage.js";

type Job = import("@aws-sdk/client-bedrock").GetModelInvocationJobResponse;

/** A job id: the last segment of its ARN (`…:model-invocation-job/<id>`). */
export const BEDROCK_JOB_ID = /^[a-z0-9]{1,64}$/;

const ENDED = new Set(["Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"]);
const iso = (d: Date | undefined) => (d ? d.toISOString() : new Date(0).toISOString());

/** A job as the runner knows batches: Bedrock statuses mapped (§2.5), counts from the record counts. */
export function infoOfJob(job: Job, timeScale?: number): BatchInfo {
  const status = String(job.status);
  const total = job.totalRecordCount ?? 0;
  const ok = job.successRecordCount ?? 0;
  const errored = job.errorRecordCount ?? 0;
  const ended = ENDED.has(status);
  const rest = Math.max(0, total - ok - errored);
  const counts = {
    processing: ended ? 0 : rest,
    succeeded: ok,
    errored,
    // A failed job (validation) ran nothing: its requests are missing, and retried (§2.5).
    canceled: status === "Stopped" ? rest : 0,
    expired: status === "Expired" || status === "PartiallyCompleted" ? rest : 0,
  };
  if (status === "Failed") counts.errored = errored;
  return {
    id: String(job.jobArn).split("/").at(-1)!,
    state: ended ? "ended" : status === "Stopping" ? "canceling" : "in_progress",
    counts,
    createdAt: iso(job.submitTime),
    expiresAt: iso(job.jobExpirationTime),
    endedAt: ended ? iso(job.endTime ?? job.lastModifiedTime) : null,
    cancelInitiatedAt:
      status === "Stopping" || status === "Stopped" ? iso(job.lastModifiedTime) : null,
    archived: false,
    tag: TAG_PATTERN.test(String(job.jobName)) ? String(job.jobName) : null,
    ...(status === "Failed" && job.message ? { failure: String(job.message) } : {}),
    ...(timeScale === undefined ? {} : { timeScale }),
    raw: job,
  };
}

/** A runner backend on Bedrock through `clients`. */
export async function bedrockBackend(clients: BedrockClients): Promise<BatchBackend> {
  const sdk = await importPeer(
    () => import("@aws-sdk/client-bedrock"),
    "@aws-sdk/client-bedrock",
    "3",
    "--target bedrock",
  );
  const s3sdk = await importPeer(
    () => import("@aws-sdk/client-s3"),
    "@aws-sdk/client-s3",
    "3",
    "--target bedrock",
  );
  const { bedrock, s3, config } = clients;
  const scale = scaleFor(config.endpoint, config.timeScale);
  const arns = new Map<string, string>();
  const opts = (o: CallOptions) => ({ abortSignal: o.signal });

  async function arnOf(id: string, o: CallOptions): Promise<string> {
    const known = arns.get(id);
    if (known) return known;
    for (const job of await listJobs(o)) arns.set(job.id, String((job.raw as Job).jobArn));
    const found = arns.get(id);
    if (!found)
      throw new BackendCallError(
        `Bedrock job ${id} is not among this account's batch inference jobs.`,
        {
          status: 404,
          type: "ResourceNotFoundException",
        },
      );
    return found;
  }

  async function get(id: string, o: CallOptions): Promise<BatchInfo> {
    const jobIdentifier = await arnOf(id, o);
    const job = await sdkCall("GetModelInvocationJob", () =>
      bedrock.send(new sdk.GetModelInvocationJobCommand({ jobIdentifier }), opts(o)),
    );
    return infoOfJob(job, scale);
  }

  async function listJobs(o: CallOptions): Promise<BatchInfo[]> {
    const out = await sdkCall("ListModelInvocationJobs", () =>
      bedrock.send(
        new sdk.ListModelInvocationJobsCommand({
          nameContains: "cacheplan-",
          sortBy: "CreationTime",
          sortOrder: "Descending",
          maxResults: 100,
        }),
        opts(o),
      ),
    );
    return (out.invocationJobSummaries ?? []).map((s) => {
      const info = infoOfJob(s as Job, scale);
      arns.set(info.id, String(s.jobArn));
      return info;
    });
  }

  async function readObject(bucket: string, key: string, o: CallOptions): Promise<string> {
    const object = await sdkCall("GetObject", () =>
      s3.send(new s3sdk.GetObjectCommand({ Bucket: bucket, Key: key }), opts(o)),
    );
    return (await object.Body?.transformToString("utf8")) ?? "";
  }

  return {
    target: "bedrock",
    name: "Amazon Bedrock",
    batchNoun: "batch inference job",
    idPattern: BEDROCK_JOB_ID,
    idShape: "the job ARN's last segment (lowercase letters and digits)",
    endpointEnv: "CACHEPLAN_BEDROCK_ENDPOINT",
    adoption: "tag",
    secrets: [],
    usage: USAGE_FIELDS,
    readResult,
    async create(input: CreateInput, o: CallOptions) {
      const at = placeBatch(
        input,
        {
          bucket: config.bucket,
          scheme: "s3",
          ready: Boolean(config.roleArn),
          missing:
            "Bedrock batch inference needs an S3 location and a service role: pass `--bucket s3://bucket/prefix` and `--role-arn arn:aws:iam::…:role/…` (or set CACHEPLAN_BUCKET and CACHEPLAN_ROLE_ARN).",
        },
        { noun: "Bedrock job", target: "bedrock" },
      );
      const { keys, model } = at;
      await sdkCall("PutObject", () =>
        s3.send(
          new s3sdk.PutObjectCommand({
            Bucket: at.bucket,
            Key: keys.input,
            Body: targetJsonl(toBedrockLine, input.requests),
            ContentType: "application/jsonl",
          }),
          opts(o),
        ),
      );
      const { jobArn } = await sdkCall("CreateModelInvocationJob", () =>
        bedrock.send(
          new sdk.CreateModelInvocationJobCommand({
            jobName: input.tag,
            roleArn: config.roleArn!,
            modelId: bedrockJobModel(model),
            // Idempotency (§2.2): a repeated create with the same token answers the same job.
            clientRequestToken: input.tag,
            inputDataConfig: {
              s3InputDataConfig: {
                s3Uri: `s3://${at.bucket}/${keys.input}`,
                s3InputFormat: "JSONL",
              },
            },
            outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${at.bucket}/${keys.output}` } },
            tags: [{ key: "cacheplan", value: input.tag }],
          }),
          opts(o),
        ),
      );
      const id = String(jobArn).split("/").at(-1)!;
      arns.set(id, String(jobArn));
      return get(id, o);
    },
    retrieve: get,
    async cancel(id: string, o: CallOptions) {
      const jobIdentifier = await arnOf(id, o);
      const before = await get(id, o);
      if (before.state === "in_progress")
        await sdkCall("StopModelInvocationJob", () =>
          bedrock.send(new sdk.StopModelInvocationJobCommand({ jobIdentifier }), opts(o)),
        );
      return get(id, o);
    },
    async results(id: string, o: CallOptions) {
      const job = (await get(id, o)).raw as Job;
      const out = splitBucketUri(String(job.outputDataConfig?.s3OutputDataConfig?.s3Uri), "s3");
      if (!out) return yieldAll([]);
      // Output lands under a job-specific folder as `<input>.jsonl.out` (§2.4 [S/U on the names]).
      const listed = await sdkCall("ListObjectsV2", () =>
        s3.send(
          new s3sdk.ListObjectsV2Command({ Bucket: out.bucket, Prefix: `${out.prefix}${id}/` }),
          opts(o),
        ),
      );
      const keys = (listed.Contents ?? []).map((c) => String(c.Key));
      const lines: unknown[] = [];
      for (const key of keys.filter((k) => k.endsWith(".jsonl.out")).sort())
        lines.push(...jsonLines(await readObject(out.bucket, key, o)));
      const manifestKey = keys.find((k) => k.endsWith("manifest.json.out"));
      if (manifestKey) {
        const manifest = JSON.parse(await readObject(out.bucket, manifestKey, o)) as {
          processedRecordCount?: number;
        };
        if (
          typeof manifest.processedRecordCount === "number" &&
          manifest.processedRecordCount !== lines.length
        )
          throw new BackendCallError(
            `Bedrock job ${id}: manifest.json.out counts ${manifest.processedRecordCount} processed records but the output files hold ${lines.length} lines; the output is incomplete, try again later.`,
            { status: 409, type: "incomplete_output" },
          );
      }
      return yieldAll(lines);
    },
    // A failed upload comes before the job could exist: nothing was created.
    createOutcome: notCreatedIfFailed("PutObject"),
    ...newestFirst(listJobs),
  };
}
