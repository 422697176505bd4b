/**
 * The Vertex emulator driven through the real SDKs (`@google/genai` with `vertexai: true` and
 * `httpOptions.baseUrl`, `@google-cloud/storage` with `apiEndpoint`), offline on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startVertexEmulator, type VertexEmulator } from "../../src/sim/vertex/emulator.js";
import { createClient, toVertexLine } from "../../src/targets/vertex/index.js";
import { fakeServiceAccountFile, removeServiceAccountFile } from "../helpers/gcp-credentials.js";
import { request, text } from "../helpers/requests.js";

// About 1,800 tokens: above Sonnet 4.5's 1,024-token minimum (reference §2).
const SHARED = "Shared instructions. ".repeat(600);

function jsonl(n: number, prefix = "req"): string {
  return Array.from(
    { length: n },
    (_, i) =>
      `${JSON.stringify(
        toVertexLine(
          request(`${prefix}-${i}`, {
            model: "claude-sonnet-4-5",
            system: [text(SHARED, "1h")],
            user: `question ${i}`,
          }) as never,
        ),
      )}\n`,
  ).join("");
}

let credentials: string;
beforeAll(() => {
  credentials = fakeServiceAccountFile();
  vi.stubEnv("GOOGLE_APPLICATION_CREDENTIALS", credentials);
});
afterAll(() => {
  vi.unstubAllEnvs();
  removeServiceAccountFile(credentials);
});

async function setup(options: Parameters<typeof startVertexEmulator>[0], project = "test-project") {
  const emulator = await startVertexEmulator(options);
  const c = await createClient({
    project,
    location: "us-east5",
    baseURL: emulator.url,
    storageEndpoint: emulator.url,
  });
  return { emulator, ...c };
}

async function createJob(
  s: Awaited<ReturnType<typeof setup>>,
  name: string,
  n: number,
  model = "claude-sonnet-4-5@20250929",
) {
  await s.storage.bucket("in").file(`${name}.jsonl`).save(jsonl(n, name), { resumable: false });
  return s.genai.batches.create({
    model: `publishers/anthropic/models/${model}`,
    src: `gs://in/${name}.jsonl`,
    config: { displayName: name, dest: "gs://out/results" },
  });
}

async function until(
  s: Awaited<ReturnType<typeof setup>>,
  name: string,
  done: (state: string) => boolean,
) {
  for (let i = 0; i < 600; i++) {
    const job = await s.genai.batches.get({ name });
    if (done(String(job.state))) return job;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("job did not settle");
}

describe("Vertex emulator through @google/genai and @google-cloud/storage", {
  timeout: 120_000,
}, () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let emulator: VertexEmulator;
  beforeAll(async () => {
    s = await setup({ timeScale: 200_000 });
    emulator = s.emulator;
  });
  afterAll(() => emulator.close());

  it("runs a job with caching as Anthropic and writes response/status lines", async () => {
    const created = await createJob(s, "a", 150);
    expect(created.name).toMatch(
      /^projects\/test-project\/locations\/us-east5\/batchPredictionJobs\/\d+$/,
    );
    const job = await until(s, created.name!, (st) => st === "JOB_STATE_SUCCEEDED");
    expect(job.completionStats?.successfulCount).toBe("150");
    const dir = job.outputInfo?.gcsOutputDirectory;
    expect(dir).toMatch(/^gs:\/\/out\/results\/prediction-model-/);
    const [files] = await s.storage
      .bucket("out")
      .getFiles({ prefix: dir!.replace("gs://out/", "") });
    expect(files.map((f) => f.name.split("/").at(-1))).toEqual(["predictions.jsonl"]);
    const [bytes] = await files[0]!.download();
    const lines = bytes
      .toString("utf8")
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            custom_id: string;
            status: string;
            response: { usage: Record<string, number> };
          },
      );
    expect(new Set(lines.map((l) => l.custom_id))).toEqual(
      new Set(Array.from({ length: 150 }, (_, i) => `a-${i}`)),
    );
    expect(lines.every((l) => l.status === "")).toBe(true);
    const reads = lines.reduce(
      (sum, l) => sum + (l.response.usage.cache_read_input_tokens ?? 0),
      0,
    );
    const writes = lines.reduce(
      (sum, l) => sum + (l.response.usage.cache_creation_input_tokens ?? 0),
      0,
    );
    expect(writes).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(0);
  });

  it("lists and cancels jobs; an unknown model is NOT_FOUND", async () => {
    const pager = await s.genai.batches.list({ config: { pageSize: 50 } });
    expect(pager.page.length).toBeGreaterThan(0);
    await expect(createJob(s, "bad", 3, "claude-nope-9")).rejects.toThrow(/not found/i);
  });
});

describe("Vertex emulator limits and project settings", { timeout: 120_000 }, () => {
  it("runs at most 4 jobs at once per project; the 5th waits as JOB_STATE_QUEUED", async () => {
    const s = await setup({ timeScale: 100 });
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await createJob(s, `q${i}`, 5));
    const states = await Promise.all(jobs.map((j) => s.genai.batches.get({ name: j.name! })));
    expect(states.map((j) => j.state)).toEqual([
      "JOB_STATE_PENDING",
      "JOB_STATE_PENDING",
      "JOB_STATE_PENDING",
      "JOB_STATE_PENDING",
      "JOB_STATE_QUEUED",
    ]);
    await s.genai.batches.cancel({ name: jobs[4]!.name! });
    expect((await s.genai.batches.get({ name: jobs[4]!.name! })).state).toBe("JOB_STATE_CANCELLED");
    await s.emulator.close();
  });

  it("a project with caching disabled rejects requests carrying cache_control", async () => {
    const s = await setup(
      { timeScale: 200_000, cachingDisabledProjects: ["no-cache-project"] },
      "no-cache-project",
    );
    const created = await createJob(s, "nc", 3);
    const job = await until(s, created.name!, (st) => st === "JOB_STATE_FAILED");
    const dir = job.outputInfo!.gcsOutputDirectory!.replace("gs://out/", "");
    const [bytes] = await s.storage.bucket("out").file(`${dir}/predictions.jsonl`).download();
    for (const line of bytes.toString("utf8").trim().split("\n"))
      expect(JSON.parse(line).status).toMatch(/caching is disabled/);
    await s.emulator.close();
  });
});
