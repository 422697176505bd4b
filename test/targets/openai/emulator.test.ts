import OpenAI, { toFile } from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type OpenAIEmulator, startOpenAIEmulator } from "../../../src/sim/openai/emulator.js";
import { chat, prose, responses } from "./_lines.js";

const SHARED = prose(2500, 11);
let running: OpenAIEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.map((e) => e.close()));
  running = [];
});

async function start(options = {}): Promise<{ emu: OpenAIEmulator; client: OpenAI }> {
  const emu = await startOpenAIEmulator({ timeScale: 200_000, ...options });
  running.push(emu);
  return { emu, client: new OpenAI({ apiKey: "sk-test", baseURL: emu.baseURL, maxRetries: 0 }) };
}

async function upload(client: OpenAI, lines: unknown[]) {
  const text = `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
  return client.files.create({
    file: await toFile(Buffer.from(text), "in.jsonl"),
    purpose: "batch",
  });
}

async function ended(client: OpenAI, id: string) {
  for (let i = 0; i < 400; i++) {
    const b = await client.batches.retrieve(id);
    if (["completed", "failed", "expired", "cancelled"].includes(b.status)) return b;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("batch did not end");
}

async function lines(client: OpenAI, fileId: string | null | undefined) {
  if (!fileId) return [];
  const text = await (await client.files.content(fileId)).text();
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

describe("OpenAI emulator through the real openai SDK", () => {
  it("uploads, runs a batch with metadata, and writes output lines with usage; automatic caching reads after the first round", async () => {
    const { client } = await start({ concurrency: 4 });
    const file = await upload(
      client,
      Array.from({ length: 10 }, (_, i) => chat(`r${i}`, "gpt-5", SHARED, `q${i}`)),
    );
    expect(file).toMatchObject({ purpose: "batch", object: "file" });
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
      metadata: { cacheplan: "cacheplan-abc-0000" },
    });
    expect(created.status).toBe("validating");
    const b = await ended(client, created.id);
    expect(b.status).toBe("completed");
    expect(b.request_counts).toEqual({ total: 10, completed: 10, failed: 0 });
    expect(b.metadata).toEqual({ cacheplan: "cacheplan-abc-0000" });
    const out = await lines(client, b.output_file_id);
    expect(out).toHaveLength(10);
    const cached = out.map((l) => l.response.body.usage.prompt_tokens_details.cached_tokens);
    // Rounds of 4 start together: the first 4 miss, the other 6 read the shared system prompt.
    expect(cached.filter((c) => c === 0)).toHaveLength(4);
    expect(cached.filter((c) => c > 0 && c % 128 === 0)).toHaveLength(6);
    expect(b.usage?.input_tokens_details.cached_tokens).toBe(cached.reduce((s, c) => s + c, 0));
    const listed = await client.batches.list({ limit: 10 });
    expect(listed.data[0]!.id).toBe(b.id);
  });

  it("explicit breakpoints on GPT-5.6: the first request writes (cache_write_tokens), later rounds read", async () => {
    const { client } = await start({ concurrency: 1 });
    const body = (i: number) => ({
      ...(chat(`x${i}`, "gpt-5.6-luna", SHARED, `q${i}`) as {
        custom_id: string;
        method: string;
        url: string;
      }),
      body: {
        model: "gpt-5.6-luna",
        prompt_cache_options: { mode: "explicit" },
        messages: [
          {
            role: "system",
            content: [
              { type: "text", text: SHARED, prompt_cache_breakpoint: { mode: "explicit" } },
            ],
          },
          { role: "user", content: `q${i}` },
        ],
      },
    });
    const file = await upload(client, [body(0), body(1), body(2)]);
    const b = await ended(
      client,
      (
        await client.batches.create({
          input_file_id: file.id,
          endpoint: "/v1/chat/completions",
          completion_window: "24h",
        })
      ).id,
    );
    const usage = (await lines(client, b.output_file_id)).map(
      (l) => l.response.body.usage.prompt_tokens_details,
    );
    expect(usage[0].cache_write_tokens).toBeGreaterThan(1024);
    expect(usage[0].cached_tokens).toBe(0);
    expect(usage[1]).toEqual({
      cached_tokens: usage[0].cache_write_tokens,
      cache_write_tokens: 0,
      audio_tokens: 0,
    });
  });

  it("fails validation for a file with two models; refused requests go to the error file", async () => {
    const { client } = await start();
    const mixed = await upload(client, [
      chat("a", "gpt-5", "s", "q"),
      chat("b", "gpt-5-mini", "s", "q"),
    ]);
    const failed = await ended(
      client,
      (
        await client.batches.create({
          input_file_id: mixed.id,
          endpoint: "/v1/chat/completions",
          completion_window: "24h",
        })
      ).id,
    );
    expect(failed.status).toBe("failed");
    expect(failed.errors?.data?.[0]).toMatchObject({ code: "mismatched_model", line: 2 });
    const some = await upload(client, [
      chat("ok", "gpt-5", "s", "q"),
      chat("st", "gpt-5", "s", "q", { stream: true }),
    ]);
    const b = await ended(
      client,
      (
        await client.batches.create({
          input_file_id: some.id,
          endpoint: "/v1/chat/completions",
          completion_window: "24h",
        })
      ).id,
    );
    expect(b.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    const errors = await lines(client, b.error_file_id);
    expect(errors[0]).toMatchObject({ custom_id: "st", response: { status_code: 400 } });
  });

  it("cancels a batch: the run requests keep their output, unrun ones end in the error file as batch_cancelled", async () => {
    const { client } = await start({
      timeScale: 1000,
      validateMs: 0,
      roundMs: 3_600_000,
      concurrency: 1,
    });
    const file = await upload(client, [
      responses("a", "gpt-5", "s", "q"),
      responses("b", "gpt-5", "s", "q"),
      responses("c", "gpt-5", "s", "q"),
    ]);
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/responses",
      completion_window: "24h",
    });
    await new Promise((r) => setTimeout(r, 20));
    expect((await client.batches.cancel(created.id)).status).toBe("cancelling");
    const b = await ended(client, created.id);
    expect(b.status).toBe("cancelled");
    expect((await lines(client, b.output_file_id)).map((l) => l.custom_id)).toEqual(["a"]);
    expect((await lines(client, b.error_file_id)).map((l) => [l.custom_id, l.error.code])).toEqual([
      ["b", "batch_cancelled"],
      ["c", "batch_cancelled"],
    ]);
  });

  it("serves /v1/responses and /v1/chat/completions synchronously on the same cache", async () => {
    const { client } = await start({ timeScale: 60 });
    const first = await client.responses.create({
      model: "gpt-5",
      instructions: SHARED,
      input: "one",
    });
    const second = await client.responses.create({
      model: "gpt-5",
      instructions: SHARED,
      input: "two",
    });
    expect(first.usage?.input_tokens_details.cached_tokens).toBe(0);
    expect(second.usage?.input_tokens_details.cached_tokens).toBeGreaterThan(1024);
    const c = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: SHARED }],
    });
    expect(c.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    await expect(
      client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe("cacheplan emulate --target openai", () => {
  it("prints the banner with the SDK's baseURL and stops cleanly", async () => {
    const { runOpenAIEmulate } = await import("../../../src/cli/_openai-emulate.js");
    const { PassThrough, Readable } = await import("node:stream");
    const stdout = new PassThrough();
    let out = "";
    stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    let stop!: () => void;
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const done = runOpenAIEmulate(
      ["--target", "openai", "--port", "0"],
      { stdout, stderr: new PassThrough(), stdin: Readable.from([]), env: {}, cwd: process.cwd() },
      { stop: stopped },
    );
    while (!out.includes("Ctrl-C")) await new Promise((r) => setTimeout(r, 5));
    const baseURL = /new OpenAI\(\{ baseURL: "([^"]+)"/.exec(out)![1]!;
    const client = new OpenAI({ apiKey: "test", baseURL, maxRetries: 0 });
    expect((await client.batches.list()).data).toEqual([]);
    stop();
    expect(await done).toBe(0);
    expect(out).toMatch(/Stopped after 0 batches/);
  });
});
