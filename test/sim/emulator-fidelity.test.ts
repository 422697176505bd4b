/**
 * What real clients rely on (issue 12, issue 9 item 15): back-to-back cache reads, streaming,
 * response shapes without null keys, the API's 400s and 404s, per-endpoint body limits, the
 * processing-queue limit, cancel, wall-clock timestamps and headers.
 */
import { request as httpRequest } from "node:http";
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { validateRequest } from "../../src/request/validate.js";
import {
  advanceUntilEnded,
  clientFor,
  closeEmulators,
  emulator,
  resultsOf,
  simpleRequest,
} from "../helpers/emulator.js";
import { words } from "../helpers/word-counter.js";

afterEach(closeEmulators);

const MODEL = "claude-sonnet-4-6"; // minimum cacheable prefix 1,024 tokens (reference §2)
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** About 6,000 tokens with the tiktoken estimate: the "6k-token marked prefix". */
const PREFIX = `You grade answers. ${words("prefix", 6000)}`;

function params(question: string, extra: Record<string, unknown> = {}) {
  return {
    model: MODEL,
    max_tokens: 64,
    system: [
      { type: "text" as const, text: PREFIX, cache_control: { type: "ephemeral" as const } },
    ],
    messages: [{ role: "user" as const, content: question }],
    ...extra,
  };
}

/** A raw POST, so tests see status, headers and body as the wire has them. */
async function post(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = { "x-api-key": "test-key" },
) {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Every key of a JSON value whose value is `null`, as dotted paths. */
function nullKeys(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => nullKeys(v, `${path}[${i}]`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    v === null ? [`${path}.${k}`] : nullKeys(v, `${path}.${k}`),
  );
}

describe("item 1: a received response's cache write is visible to the next call", () => {
  for (const timeScale of [0, 60]) {
    it(`the second of two back-to-back calls reads the first one's write (time scale ${timeScale})`, async () => {
      const client = clientFor(await emulator({ timeScale }));
      const first = await client.messages.create(params("Grade answer 1."));
      const second = await client.messages.create(params("Grade answer 2."));
      expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(5000);
      expect(second.usage.cache_creation_input_tokens).toBe(0);
      expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    });
  }
});

describe("item 2: streaming", () => {
  it("serves the documented event sequence with cache usage on message_start", async () => {
    const target = await emulator({ timeScale: 0 });
    const { status, headers, text } = await post(
      target.url,
      "/v1/messages",
      params("Grade answer 1.", { stream: true }),
    );
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^text\/event-stream/);
    const frames = text
      .trim()
      .split("\n\n")
      .map((frame) => {
        const [eventLine, dataLine] = frame.split("\n");
        const data = JSON.parse(dataLine!.replace(/^data: /, ""));
        expect(eventLine).toBe(`event: ${data.type}`); // the SSE name equals the data's type
        return data;
      });
    const names = frames.map((f) => f.type);
    expect(names.slice(0, 3)).toEqual(["message_start", "content_block_start", "ping"]);
    expect(names.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(new Set(names.slice(3, -3))).toEqual(new Set(["content_block_delta"]));
    const start = frames[0].message;
    expect(start).toMatchObject({ content: [], stop_reason: null, role: "assistant" });
    expect(start.usage.cache_creation_input_tokens).toBeGreaterThan(5000);
    const delta = frames.at(-2);
    expect(delta.delta.stop_reason).toBe("end_turn");
    expect(delta.usage).toMatchObject({
      output_tokens: 32,
      cache_creation_input_tokens: start.usage.cache_creation_input_tokens,
      cache_read_input_tokens: 0,
    });
  });

  it("the SDK's messages.stream().finalMessage() gets the text, and the second stream reads", async () => {
    const client = clientFor(await emulator({ timeScale: 0 }));
    const stream = client.messages.stream(params("Grade answer 1."));
    let streamed = "";
    stream.on("text", (piece) => {
      streamed += piece;
    });
    const first = await stream.finalMessage();
    expect(first.content).toEqual([{ type: "text", text: streamed }]);
    expect(streamed.split(" ").length).toBeGreaterThan(5);
    expect(first.usage).toMatchObject({ output_tokens: 32, cache_read_input_tokens: 0 });
    const second = await client.messages.stream(params("Grade answer 2.")).finalMessage();
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
  });

  it("stays rejected inside batches and with max_tokens: 0 (reference fact 13, §4)", async () => {
    const target = await emulator({ timeScale: 0 });
    const client = clientFor(target);
    const prewarm = await post(target.url, "/v1/messages", {
      ...params("warmup", { stream: true }),
      max_tokens: 0,
    });
    expect(prewarm.status).toBe(400);
    const batch = await client.messages.batches.create({
      requests: [{ custom_id: "s", params: { ...simpleRequest("s").params, stream: true } }],
    } as unknown as Anthropic.Messages.Batches.BatchCreateParams);
    await advanceUntilEnded(target, client, batch.id);
    const [line] = await resultsOf(client, batch.id);
    expect(line?.result).toMatchObject({
      type: "errored",
      error: { error: { type: "invalid_request_error" } },
    });
  });
});

describe("item 3: response shapes", () => {
  it("omits keys without a value, and says inference_geo not_available unless asked", async () => {
    const target = await emulator({ timeScale: 0 });
    const plain = JSON.parse((await post(target.url, "/v1/messages", params("q"))).text);
    expect(nullKeys(plain)).toEqual([".stop_sequence"]); // recorded responses keep this one
    expect(plain.content[0]).toEqual({ type: "text", text: expect.any(String) });
    expect(plain.usage.inference_geo).toBe("not_available");
    const us = JSON.parse(
      (await post(target.url, "/v1/messages", params("q", { inference_geo: "us" }))).text,
    );
    expect(us.usage.inference_geo).toBe("us");

    const client = clientFor(target);
    const batch = await client.messages.batches.create({ requests: [simpleRequest("r")] });
    await advanceUntilEnded(target, client, batch.id);
    const raw = await fetch(`${target.url}/v1/messages/batches/${batch.id}/results`, {
      headers: { "x-api-key": "test-key" },
    });
    const line = JSON.parse((await raw.text()).trim());
    expect(nullKeys(line)).toEqual([".result.message.stop_sequence"]);
  });
});

describe("item 4: what the API refuses, the emulator refuses", () => {
  const cases: Array<[string, Record<string, unknown>, number, string]> = [
    ["an unknown model", { model: "no-such-model" }, 404, "not_found_error"],
    ["a retired model", { model: "claude-3-5-sonnet-20241022" }, 404, "not_found_error"],
    ["temperature 7", { temperature: 7 }, 400, "invalid_request_error"],
    ["top_k 'x'", { top_k: "x" }, 400, "invalid_request_error"],
    ["an unknown top-level field", { frobnicate: true }, 400, "invalid_request_error"],
    [
      'role "robot"',
      { messages: [{ role: "robot", content: "hi" }] },
      400,
      "invalid_request_error",
    ],
  ];

  it.each(cases)("messages.create refuses %s", async (_, change, status, type) => {
    const target = await emulator({ timeScale: 0 });
    const reply = await post(target.url, "/v1/messages", params("q", change));
    expect(reply.status).toBe(status);
    expect(JSON.parse(reply.text).error.type).toBe(type);
  });

  it.each(cases)(
    "a batch item with %s comes back errored with that type",
    async (_, change, __, type) => {
      const target = await emulator({ timeScale: 0 });
      const client = clientFor(target);
      const batch = await client.messages.batches.create({
        requests: [{ custom_id: "bad", params: params("q", change) }],
      } as unknown as Anthropic.Messages.Batches.BatchCreateParams);
      await advanceUntilEnded(target, client, batch.id);
      const [line] = await resultsOf(client, batch.id);
      expect(line?.result).toMatchObject({ type: "errored", error: { error: { type } } });
    },
  );

  it("the planner's validation refuses role robot too: the two agree", () => {
    const verdict = validateRequest({
      custom_id: "a",
      params: params("q", { messages: [{ role: "robot", content: "hi" }] }),
    });
    expect(verdict.ok).toBe(false);
  });

  // A model's existence stays a planner warning (unknown-model policy); every 400 is a rejection.
  it.each(cases.filter(([, , status]) => status === 400))(
    "the planner rejects %s as the emulator does",
    (_, change) => {
      const verdict = validateRequest({ custom_id: "a", params: params("q", change) });
      expect(verdict).toMatchObject({ ok: false, kind: "invalid-field" });
    },
  );

  it("the planner accepts the valid sampling parameters the emulator accepts", () => {
    const change = { temperature: 0.5, top_k: 5, top_p: 0.9, stop_sequences: ["END"] };
    expect(validateRequest({ custom_id: "a", params: params("q", change) }).ok).toBe(true);
  });

  it("accepts valid sampling parameters and the dated model ids", async () => {
    const client = clientFor(await emulator({ timeScale: 0 }));
    const ok = await client.messages.create({
      ...params("q"),
      model: "claude-haiku-4-5-20251001",
      temperature: 0.5,
      top_k: 5,
      top_p: 0.9,
    } as Anthropic.Messages.MessageCreateParamsNonStreaming);
    expect(ok.type).toBe("message");
  });
});

/** A POST whose declared length is `length` but of which only `sent` bytes are written. */
function partialPost(
  url: string,
  path: string,
  length: number,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": length, ...headers },
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString("utf8");
        });
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
      },
    );
    req.on("error", reject);
    req.write('{"requests": [');
  });
}

describe("item 5 and issue 9 item 15: body limits per endpoint, the key first", () => {
  it("answers 413 request_too_large above 32 MB on messages and count_tokens, not on batches", async () => {
    const target = await emulator({ timeScale: 0 });
    const big = JSON.stringify(params("x".repeat(33_000_000)));
    for (const path of ["/v1/messages", "/v1/messages/count_tokens"]) {
      const reply = await post(target.url, path, big);
      expect(reply.status, path).toBe(413);
      expect(JSON.parse(reply.text).error.type).toBe("request_too_large");
    }
    const batch = await post(target.url, "/v1/messages/batches", {
      requests: [{ custom_id: "big", params: JSON.parse(big) }],
    });
    expect(batch.status).toBe(200); // under the 256 MB of the Batch API
  });

  it("checks the key before reading the body: 401 while the body is still unsent", async () => {
    const target = await emulator({ timeScale: 0 });
    const reply = await partialPost(target.url, "/v1/messages/batches", 255_000_000, {});
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.body).error.type).toBe("authentication_error");
  });

  it("answers 413 from the declared length, before the body is sent", async () => {
    const target = await emulator({ timeScale: 0 });
    const key = { "x-api-key": "test-key" };
    const messages = await partialPost(target.url, "/v1/messages", 255_000_000, key);
    expect(messages.status).toBe(413);
    const batches = await partialPost(target.url, "/v1/messages/batches", 257_000_000, key);
    expect(batches.status).toBe(413);
  });

  it("a 255 MB batch holding one long string: created, the item errored, no 500", async () => {
    const target = await emulator({ timeScale: 0 });
    const client = clientFor(target);
    const body = JSON.stringify({
      requests: [{ custom_id: "huge", params: params("y".repeat(255_000_000 - 40_000)) }],
    });
    expect(Buffer.byteLength(body)).toBeLessThan(256_000_000);
    const reply = await post(target.url, "/v1/messages/batches", body);
    expect(reply.status).toBe(200);
    const { id } = JSON.parse(reply.text);
    await advanceUntilEnded(target, client, id);
    const [line] = await resultsOf(client, id);
    expect(line?.result).toMatchObject({
      type: "errored",
      error: {
        error: { type: "invalid_request_error", message: expect.stringMatching(/too long/) },
      },
    });
  }, 120_000);
});

describe("item 6: the processing queue (reference §5.6)", () => {
  it("refuses a create beyond maxQueued with 429 and retry-after, and accepts it once room frees", async () => {
    const target = await emulator({ timeScale: 0, maxQueued: 5 });
    const client = clientFor(target);
    const three = (p: string) => Array.from({ length: 3 }, (_, i) => simpleRequest(`${p}${i}`));
    const first = await client.messages.batches.create({ requests: three("a") });
    const refused = await client.messages.batches
      .create({ requests: three("b") })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    const error = refused as InstanceType<typeof Anthropic.RateLimitError>;
    expect(error.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(error.headers.get("x-should-retry")).toBe("true");
    expect(error.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(target.stats().batchesCreated).toBe(1);

    await advanceUntilEnded(target, client, first.id);
    const later = await client.messages.batches.create({ requests: three("b") });
    expect(later.processing_status).toBe("in_progress");
  });

  it("checks the option", async () => {
    await expect(emulator({ maxQueued: 0 })).rejects.toThrow(/`maxQueued` must be an integer ≥ 1/);
  });
});

describe("item 8: wall-clock timestamps, simulated durations", () => {
  it("created_at is the client's clock at time scale 3600; durations stay simulated", async () => {
    const target = await emulator({ timeScale: 3600 });
    const client = clientFor(target);
    const before = Date.now();
    const batch = await client.messages.batches.create({ requests: [simpleRequest("t")] });
    const after = Date.now();
    const created = Date.parse(batch.created_at);
    expect(created).toBeGreaterThanOrEqual(before - 50);
    expect(created).toBeLessThanOrEqual(after + 50);
    expect(Date.parse(batch.expires_at) - created).toBe(DAY);
    let ended = await client.messages.batches.retrieve(batch.id);
    while (ended.processing_status !== "ended") {
      await new Promise((resolve) => setTimeout(resolve, 20));
      ended = await client.messages.batches.retrieve(batch.id);
    }
    // The start delay alone is 5-15 simulated minutes, though a second or so of real time passed.
    expect(Date.parse(ended.ended_at!) - created).toBeGreaterThan(5 * MIN);
  });

  it("after archiving (29 days), archived_at is set and results_url is null", async () => {
    const target = await emulator({ timeScale: 0 });
    const client = clientFor(target);
    const batch = await client.messages.batches.create({ requests: [simpleRequest("old")] });
    await advanceUntilEnded(target, client, batch.id);
    target.advance(30 * DAY);
    const old = await client.messages.batches.retrieve(batch.id);
    expect(old.archived_at).not.toBeNull();
    expect(old.results_url).toBeNull();
  });
});

describe("item 9: headers", () => {
  it("x-should-retry on errors, rate-limit headers on a 429, JSONL content type on results", async () => {
    const target = await emulator({ timeScale: 0 });
    const bad = await post(target.url, "/v1/messages", params("q", { temperature: 7 }));
    expect(bad.headers.get("x-should-retry")).toBe("false");
    expect(bad.headers.get("request-id")).toMatch(/^req_01/);

    const client = clientFor(target);
    const batch = await client.messages.batches.create({ requests: [simpleRequest("h")] });
    await advanceUntilEnded(target, client, batch.id);
    const results = await fetch(`${target.url}/v1/messages/batches/${batch.id}/results`, {
      headers: { "x-api-key": "test-key" },
    });
    expect(results.headers.get("content-type")).toBe("application/x-jsonl");
    await results.text();

    target.setFaults({ rate: 1, kinds: ["429"] });
    const limited = await post(target.url, "/v1/messages/count_tokens", {
      model: MODEL,
      messages: [{ role: "user", content: "q" }],
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("x-should-retry")).toBe("true");
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    expect(limited.headers.get("anthropic-ratelimit-requests-limit")).toMatch(/^\d+$/);
    expect(Date.parse(limited.headers.get("anthropic-ratelimit-requests-reset")!)).toBeGreaterThan(
      0,
    );
  });
});
