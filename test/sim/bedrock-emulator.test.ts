/**
 * The Bedrock emulator driven through the real AWS SDKs (`@aws-sdk/client-s3` path-style,
 * `@aws-sdk/client-bedrock`), offline on 127.0.0.1, fake credentials from the env chain.
 */
import {
  CreateModelInvocationJobCommand,
  GetModelInvocationJobCommand,
  ListModelInvocationJobsCommand,
  StopModelInvocationJobCommand,
} from "@aws-sdk/client-bedrock";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type BedrockEmulator, startBedrockEmulator } from "../../src/sim/bedrock/emulator.js";
import { createClient, recordIdOf, toBedrockLine } from "../../src/targets/bedrock/index.js";
import { request, text } from "../helpers/requests.js";

let emulator: BedrockEmulator;
let clients: Awaited<ReturnType<typeof createClient>>;

beforeAll(async () => {
  vi.stubEnv("AWS_ACCESS_KEY_ID", "test-access-key");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test-secret-key");
  vi.stubEnv("AWS_REGION", "us-east-1");
  emulator = await startBedrockEmulator({ timeScale: 200_000, buckets: ["in", "out"] });
  clients = await createClient({ baseURL: emulator.url, s3Endpoint: emulator.url, maxRetries: 0 });
});
afterAll(async () => {
  await emulator.close();
  vi.unstubAllEnvs();
});

const SHARED = "Shared instructions. ".repeat(300);

function jsonl(n: number, prefix = "req"): string {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify(
      toBedrockLine(
        request(`${prefix}-${i}`, {
          model: "claude-sonnet-4-6",
          system: [text(SHARED, "5m")],
          user: `question ${i}`,
        }) as never,
      ),
    ),
  )
    .map((l) => `${l}\n`)
    .join("");
}

async function createJob(key: string, n: number, token?: string) {
  await clients.s3.send(new PutObjectCommand({ Bucket: "in", Key: key, Body: jsonl(n) }));
  return clients.bedrock.send(
    new CreateModelInvocationJobCommand({
      jobName: `job-${key.replace(/\W/g, "")}`,
      roleArn: "arn:aws:iam::000000000000:role/test",
      modelId: "global.anthropic.claude-sonnet-4-6",
      inputDataConfig: { s3InputDataConfig: { s3Uri: `s3://in/${key}` } },
      outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://out/results/" } },
      ...(token ? { clientRequestToken: token } : {}),
    }),
  );
}

async function until(arn: string, done: (s: string) => boolean) {
  for (let i = 0; i < 400; i++) {
    const job = await clients.bedrock.send(
      new GetModelInvocationJobCommand({ jobIdentifier: arn }),
    );
    if (done(job.status!)) return job;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("job did not settle");
}

describe("Bedrock emulator through the AWS SDKs", { timeout: 120_000 }, () => {
  it("runs a job from S3 and writes .jsonl.out and manifest.json.out, no cache usage", async () => {
    const { jobArn } = await createJob("batches/a.jsonl", 120);
    const job = await until(jobArn!, (s) => s === "Completed" || s === "PartiallyCompleted");
    expect(job.status).toBe("Completed");
    expect(job.successRecordCount).toBe(120);
    expect(job.submitTime).toBeInstanceOf(Date);
    const id = jobArn!.split("/").at(-1)!;
    const listed = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: "out", Prefix: `results/${id}/` }),
    );
    expect(listed.Contents?.map((c) => c.Key).sort()).toEqual([
      `results/${id}/a.jsonl.out`,
      `results/${id}/manifest.json.out`,
    ]);
    const out = await clients.s3.send(
      new GetObjectCommand({ Bucket: "out", Key: `results/${id}/a.jsonl.out` }),
    );
    const lines = (await out.Body!.transformToString())
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as { recordId: string; modelOutput: { usage: Record<string, number> } },
      );
    expect(lines).toHaveLength(120);
    expect(new Set(lines.map((l) => l.recordId))).toEqual(
      new Set(Array.from({ length: 120 }, (_, i) => recordIdOf(`req-${i}`))),
    );
    for (const l of lines) {
      // The whole prompt is billed as input on every record: nothing was read from a cache.
      expect(l.modelOutput.usage.input_tokens).toBeGreaterThan(800);
      expect(l.modelOutput.usage).not.toHaveProperty("cache_read_input_tokens");
      expect(l.modelOutput.usage).not.toHaveProperty("cache_creation_input_tokens");
    }
    const manifest = await clients.s3.send(
      new GetObjectCommand({ Bucket: "out", Key: `results/${id}/manifest.json.out` }),
    );
    expect(JSON.parse(await manifest.Body!.transformToString())).toMatchObject({
      totalRecordCount: 120,
      processedRecordCount: 120,
      successRecordCount: 120,
      errorRecordCount: 0,
    });
  });

  it("fails a job under the 100-record minimum, with the reason", async () => {
    const { jobArn } = await createJob("batches/small.jsonl", 40);
    const job = await until(jobArn!, (s) => s === "Failed");
    expect(job.message).toMatch(
      /less than the minimum number of records per batch inference job \(100\)/,
    );
  });

  it("a repeated clientRequestToken returns the same job; stop and list work", async () => {
    const first = await createJob("batches/b.jsonl", 150, "token-b");
    const again = await createJob("batches/b.jsonl", 150, "token-b");
    expect(again.jobArn).toBe(first.jobArn);
    const slow = await startBedrockEmulator({ timeScale: 1000 });
    const c = await createClient({ baseURL: slow.url, s3Endpoint: slow.url, maxRetries: 0 });
    await c.s3.send(new PutObjectCommand({ Bucket: "in", Key: "s.jsonl", Body: jsonl(150) }));
    const { jobArn: slowArn } = await c.bedrock.send(
      new CreateModelInvocationJobCommand({
        jobName: "stop-me",
        roleArn: "arn:aws:iam::000000000000:role/test",
        modelId: "claude-sonnet-4-6",
        inputDataConfig: { s3InputDataConfig: { s3Uri: "s3://in/s.jsonl" } },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://out/" } },
      }),
    );
    await c.bedrock.send(new StopModelInvocationJobCommand({ jobIdentifier: slowArn! }));
    const stopped = await c.bedrock.send(
      new GetModelInvocationJobCommand({ jobIdentifier: slowArn! }),
    );
    expect(["Stopping", "Stopped"]).toContain(stopped.status);
    await slow.close();
    const list = await clients.bedrock.send(
      new ListModelInvocationJobsCommand({ nameContains: "batchesb" }),
    );
    expect(list.invocationJobSummaries?.map((s) => s.jobArn)).toEqual([first.jobArn]);
  });

  it("an unknown model is refused at creation (ValidationException)", async () => {
    await expect(
      clients.bedrock.send(
        new CreateModelInvocationJobCommand({
          jobName: "x",
          roleArn: "arn:aws:iam::000000000000:role/test",
          modelId: "anthropic.claude-nope-v9",
          inputDataConfig: { s3InputDataConfig: { s3Uri: "s3://in/batches/a.jsonl" } },
          outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://out/results/" } },
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
  });
});
