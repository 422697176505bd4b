/**
 * The emulator's batch lifecycle through the real SDK (`@anthropic-ai/sdk` 1.12.0, `baseURL`):
 * create, poll, results, list paging, cancel, delete, expiry. Reference §5 (SDK-B, SDK-BJ).
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  clientFor,
  closeEmulators,
  emulator,
  resultsOf,
  simpleRequest,
  waitUntilEnded,
} from "../helpers/emulator.js";

afterEach(closeEmulators);

/** Minutes and hours of simulated time, in ms. */
const MIN = 60_000;
const HOUR = 60 * MIN;

type ApiError = InstanceType<typeof Anthropic.APIError>;

/** The API's own error message of an SDK error (`error.error.message`). */
function apiMessage(error: unknown): string | undefined {
  return (error as ApiError).apiMessage ?? undefined;
}

/** Requests that each take about 40 simulated seconds (2,000 output tokens at 20 ms each). */
function slowRequest(customId: string) {
  const request = simpleRequest(customId);
  request.params.max_tokens = 4000;
  return request;
}

describe("create, poll, results", () => {
  it("delivers one succeeded result with batch usage per custom_id", async () => {
    const target = await emulator();
    const client = clientFor(target);
    const requests = Array.from({ length: 30 }, (_, i) => simpleRequest(`item-${i}`));

    const created = await client.messages.batches.create({ requests });
    expect(created).toMatchObject({
      type: "message_batch",
      processing_status: "in_progress",
      // Reference fact 19 / SDK-B 203: only `processing` is non-zero until the batch ends.
      request_counts: { processing: 30, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      results_url: null,
      cancel_initiated_at: null,
      archived_at: null,
    });
    expect(created.id).toMatch(/^msgbatch_01[0-9A-Za-z]{22}$/);
    // SDK-B 194-198: `expires_at` is 24 hours after creation.
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(24 * HOUR);

    const ended = await waitUntilEnded(client, created.id);
    expect(ended.request_counts).toEqual({
      processing: 0,
      succeeded: 30,
      errored: 0,
      canceled: 0,
      expired: 0,
    });
    expect(ended.results_url).toBe(`${target.url}/v1/messages/batches/${created.id}/results`);
    expect(Date.parse(ended.ended_at!)).toBeGreaterThan(Date.parse(created.created_at));

    const results = await resultsOf(client, created.id);
    expect(results.map((r) => r.custom_id).sort()).toEqual(requests.map((r) => r.custom_id).sort());
    for (const { result } of results) {
      if (result.type !== "succeeded") throw new Error(`unexpected ${result.type}`);
      const { usage, content } = result.message;
      expect(usage.service_tier).toBe("batch");
      expect(usage.input_tokens).toBeGreaterThan(0);
      expect(usage.output_tokens).toBe(32); // half of max_tokens 64 (SIM_DEFAULTS.outputTokens)
      expect(content[0]).toMatchObject({ type: "text" });
    }
  });

  it("gives the same content for the same seed", async () => {
    const texts = async () => {
      const target = await emulator({ seed: 7, timeScale: 50_000 });
      const client = clientFor(target);
      const batch = await client.messages.batches.create({ requests: [simpleRequest("x")] });
      await waitUntilEnded(client, batch.id);
      const [line] = await resultsOf(client, batch.id);
      return { id: batch.id, line };
    };
    const a = await texts();
    const b = await texts();
    expect(b).toEqual(a);
  });

  it("reports params errors as errored results after the end, not as a 400 (fact 13)", async () => {
    const target = await emulator();
    const client = clientFor(target);
    const marked = {
      type: "text" as const,
      text: "x",
      cache_control: { type: "ephemeral" as const },
    };
    const bad = (customId: string, extra: Record<string, unknown>) => {
      const request = simpleRequest(customId);
      Object.assign(request.params, extra);
      return request;
    };
    const batch = await client.messages.batches.create({
      requests: [
        simpleRequest("good"),
        bad("zero", { max_tokens: 0 }),
        bad("streaming", { stream: true }),
        bad("fast", { speed: "fast" }),
        bad("five-markers", {
          system: [marked, marked, marked, marked],
          messages: [{ role: "user", content: [marked] }],
        }),
      ],
    });
    const ended = await waitUntilEnded(client, batch.id);
    expect(ended.request_counts).toMatchObject({ succeeded: 1, errored: 4 });
    const byId = new Map((await resultsOf(client, batch.id)).map((r) => [r.custom_id, r.result]));
    expect(byId.get("good")?.type).toBe("succeeded");
    for (const id of ["zero", "streaming", "fast", "five-markers"]) {
      const result = byId.get(id);
      if (result?.type !== "errored") throw new Error(`${id}: expected errored`);
      expect(result.error.type).toBe("error");
      expect(result.error.error.type).toBe("invalid_request_error");
      expect(result.error.request_id).toMatch(/^req_/);
    }
    const five = byId.get("five-markers");
    expect(five?.type === "errored" && five.error.error.message).toBe(
      "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    );
  });
});

describe("synchronous validation", () => {
  it("needs an API key: AuthenticationError without one", async () => {
    const target = await emulator();
    // `Authorization: null` makes SDK 1.12.0 send the request with no key at all.
    const client = new Anthropic({
      baseURL: target.url,
      apiKey: "unused",
      defaultHeaders: { Authorization: null },
      maxRetries: 0,
    });
    const error = await client.messages.batches.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as ApiError).error).toMatchObject({
      type: "error",
      error: { type: "authentication_error", message: "x-api-key header is required" },
    });
    // `x-api-key` alone is accepted too.
    const response = await fetch(`${target.url}/v1/messages/batches`, {
      headers: { "x-api-key": "k" },
    });
    expect(response.status).toBe(200);
  });

  it("rejects a bad or duplicate custom_id with BadRequestError and creates nothing", async () => {
    const target = await emulator();
    const client = clientFor(target);
    const badId = await client.messages.batches
      .create({ requests: [simpleRequest("ok"), simpleRequest("has space")] })
      .catch((e: unknown) => e);
    expect(badId).toBeInstanceOf(Anthropic.BadRequestError);
    expect(apiMessage(badId)).toContain("requests.1.custom_id");
    expect(apiMessage(badId)).toContain("^[a-zA-Z0-9_-]{1,64}$");
    const tooLong = await client.messages.batches
      .create({ requests: [simpleRequest("a".repeat(65))] })
      .catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(Anthropic.BadRequestError);
    const duplicate = await client.messages.batches
      .create({ requests: [simpleRequest("same"), simpleRequest("other"), simpleRequest("same")] })
      .catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(Anthropic.BadRequestError);
    expect(apiMessage(duplicate)).toBe(
      'requests.2.custom_id: Duplicate custom_id "same"; each custom_id must be unique within a Message Batch.',
    );
    const empty = await client.messages.batches.create({ requests: [] }).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(Anthropic.BadRequestError);
    expect(target.stats().batchesCreated).toBe(0);
  });

  it("answers 413 request_too_large past the request count or the body size (fact 11)", async () => {
    const target = await emulator({ maxBatchRequests: 3, maxBodyBytes: 4000 });
    const client = clientFor(target);
    const many = await client.messages.batches
      .create({ requests: ["a", "b", "c", "d"].map((id) => simpleRequest(id)) })
      .catch((e: unknown) => e);
    expect(many).toBeInstanceOf(Anthropic.ContentTooLargeError);
    expect((many as ApiError).type).toBe("request_too_large");
    const big = await client.messages.batches
      .create({ requests: [simpleRequest("big", "word ".repeat(1000))] })
      .catch((e: unknown) => e);
    expect(big).toBeInstanceOf(Anthropic.ContentTooLargeError);
    expect(target.stats().batchesCreated).toBe(0);
  });
});

describe("list", () => {
  it("pages newest first as the SDK's Page expects (after_id, before_id, limit)", async () => {
    const target = await emulator();
    const client = clientFor(target);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push((await client.messages.batches.create({ requests: [simpleRequest(`b${i}`)] })).id);
    }
    const newestFirst = [...ids].reverse();

    const first = await client.messages.batches.list();
    expect(first.data).toHaveLength(20); // default limit
    expect(first.has_more).toBe(true);
    expect(first.first_id).toBe(newestFirst[0]);
    expect(first.last_id).toBe(newestFirst[19]);
    const second = await first.getNextPage(); // after_id = last_id
    expect(second.data.map((b) => b.id)).toEqual(newestFirst.slice(20));
    expect(second.has_more).toBe(false);
    expect(second.hasNextPage()).toBe(false);

    const all: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 7 })) all.push(batch.id);
    expect(all).toEqual(newestFirst);

    // Backwards: the page just newer than the cursor, then the next newer one via first_id.
    const back = await client.messages.batches.list({ before_id: newestFirst[10]!, limit: 4 });
    expect(back.data.map((b) => b.id)).toEqual(newestFirst.slice(6, 10));
    expect(back.has_more).toBe(true);
    const further = await back.getNextPage(); // before_id = first_id
    expect(further.data.map((b) => b.id)).toEqual(newestFirst.slice(2, 6));

    for (const limit of [0, 1001]) {
      const error = await client.messages.batches.list({ limit }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    }
    const other = await client.messages.batches.list({ workspace_id: "elsewhere" });
    expect(other.data).toEqual([]);
    expect(other.first_id).toBeNull();
  });
});

describe("cancel, delete, expiry (a stopped clock moved by advance())", () => {
  const sim = { concurrency: 2, startDelayMs: MIN, startDelayJitterMs: 0 };

  it("cancel: canceling while requests are in flight, then ended with the rest canceled", async () => {
    const target = await emulator({ timeScale: 0, sim });
    const client = clientFor(target);
    const requests = Array.from({ length: 20 }, (_, i) => slowRequest(`c${i}`));
    const batch = await client.messages.batches.create({ requests });
    target.advance(1.5 * MIN); // started at 1 min; 2 requests in flight, ~40 s each

    const canceling = await client.messages.batches.cancel(batch.id);
    expect(canceling.processing_status).toBe("canceling");
    expect(canceling.cancel_initiated_at).not.toBeNull();
    expect(canceling.request_counts).toMatchObject({ processing: 20, canceled: 0 });
    // A second cancel while canceling is a no-op, not an error.
    expect((await client.messages.batches.cancel(batch.id)).processing_status).toBe("canceling");

    target.advance(MIN); // the in-flight requests complete (reference §5.1)
    const ended = await client.messages.batches.retrieve(batch.id);
    expect(ended.processing_status).toBe("ended");
    expect(ended.request_counts).toEqual({
      processing: 0,
      succeeded: 2,
      errored: 0,
      canceled: 18,
      expired: 0,
    });
    const results = await resultsOf(client, batch.id);
    expect(results.filter((r) => r.result.type === "canceled")).toHaveLength(18);

    // Issue 12 item 7: a repeated cancel after the end returns the batch, not an error.
    const again = await client.messages.batches.cancel(batch.id);
    expect(again).toMatchObject({
      processing_status: "ended",
      request_counts: ended.request_counts,
    });
  });

  it("cancel: a batch with nothing in flight passes through canceling (issue 12 item 7)", async () => {
    const target = await emulator({ timeScale: 0, sim });
    const client = clientFor(target);
    const batch = await client.messages.batches.create({ requests: [simpleRequest("idle")] });
    // Before the start delay: nothing in flight. The API answers `canceling` and ends it later.
    const canceling = await client.messages.batches.cancel(batch.id);
    expect(canceling.processing_status).toBe("canceling");
    expect(canceling.ended_at).toBeNull();
    target.advance(MIN);
    const ended = await client.messages.batches.retrieve(batch.id);
    expect(ended).toMatchObject({ processing_status: "ended", request_counts: { canceled: 1 } });
    expect(Date.parse(ended.ended_at!)).toBeGreaterThan(Date.parse(ended.cancel_initiated_at!));
    expect((await client.messages.batches.cancel(batch.id)).processing_status).toBe("ended");
  });

  it("cancel: a batch that ended on its own cannot be canceled (400)", async () => {
    const target = await emulator({ timeScale: 0, sim });
    const client = clientFor(target);
    const batch = await client.messages.batches.create({ requests: [simpleRequest("done")] });
    target.advance(HOUR);
    const late = await client.messages.batches.cancel(batch.id).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(Anthropic.BadRequestError);
    expect(apiMessage(late)).toContain("has already ended");
  });

  it("delete: a 400 before the end, deleted once ended, then NotFoundError", async () => {
    const target = await emulator({ timeScale: 0, sim });
    const client = clientFor(target);
    const batch = await client.messages.batches.create({ requests: [simpleRequest("d")] });
    const early = await client.messages.batches.delete(batch.id).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(Anthropic.BadRequestError);
    expect(apiMessage(early)).toContain("is in_progress; only an ended batch can be deleted");

    const results = await client.messages.batches.results(batch.id).catch((e: unknown) => e);
    expect((results as Error).message).toContain("Has it finished processing?"); // the SDK's own check

    target.advance(HOUR);
    expect(await client.messages.batches.delete(batch.id)).toEqual({
      id: batch.id,
      type: "message_batch_deleted",
    });
    const gone = await client.messages.batches.retrieve(batch.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(Anthropic.NotFoundError);
    expect((await client.messages.batches.list()).data).toEqual([]);
    expect(target.stats()).toMatchObject({ batchesCreated: 1, batchesDeleted: 1 });
  });

  it("expiry: requests not started within 24 hours come back expired (fact 19)", async () => {
    const target = await emulator({ timeScale: 0, sim: { ...sim, concurrency: 1 } });
    const client = clientFor(target);
    // 3,000 requests × ~40 s one at a time need ~33 h: those not started by 24 h expire.
    const requests = Array.from({ length: 3000 }, (_, i) => slowRequest(`e${i}`));
    const batch = await client.messages.batches.create({ requests });
    target.advance(23 * HOUR);
    expect((await client.messages.batches.retrieve(batch.id)).processing_status).toBe(
      "in_progress",
    );
    target.advance(HOUR);
    // At 24 h the rest expire; the batch ends when the request in flight then has finished.
    const expiring = await client.messages.batches.retrieve(batch.id);
    expect(expiring.processing_status).toBe("in_progress");
    target.advance(MIN);
    const ended = await client.messages.batches.retrieve(batch.id);
    expect(ended.processing_status).toBe("ended");
    const { succeeded, expired } = ended.request_counts;
    expect(succeeded + expired).toBe(3000);
    expect(expired).toBeGreaterThan(500);
    const overrun = Date.parse(ended.ended_at!) - Date.parse(ended.expires_at);
    expect(overrun).toBeGreaterThanOrEqual(0);
    expect(overrun).toBeLessThan(MIN);
  });
});
