/**
 * HTTP fault injection: 429 with `retry-after`, 500, 529 and dropped connections, which the
 * SDK's retries (client.js `shouldRetry()` / `retryRequest()`) must survive without creating a
 * batch twice; and the opt-in "lost response", which a runner must detect itself.
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

describe("faults the SDK retries", () => {
  it("a run with 30% faults delivers every result exactly once, one batch per create", async () => {
    // A stopped clock makes the sequence of HTTP calls, hence of fault draws, the same every run.
    const target = await emulator({
      seed: 7, // draws 5 × 429, 3 × 500, 6 × 529 and 1 drop over this run's calls
      timeScale: 0,
      faults: { rate: 0.3, retryAfterMs: 1 }, // 429, 500, 529 and dropped connections
    });
    const client = clientFor(target, { maxRetries: 10 });
    const requests = Array.from({ length: 100 }, (_, i) => simpleRequest(`f-${i}`));

    const ids: string[] = [];
    for (let b = 0; b < 4; b++) {
      const part = requests.slice(b * 25, (b + 1) * 25);
      ids.push((await client.messages.batches.create({ requests: part })).id);
    }
    target.advance(2 * 60 * 60_000);
    const results = [];
    for (const id of ids) {
      expect((await client.messages.batches.retrieve(id)).processing_status).toBe("ended");
      results.push(...(await resultsOf(client, id)));
    }
    const listed: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 2 })) listed.push(batch.id);
    for (const question of ["a", "b", "c", "d"]) {
      const counted = await client.messages.countTokens({
        model: "claude-sonnet-4-6",
        messages: [{ role: "user", content: question }],
      });
      expect(counted.input_tokens).toBeGreaterThan(0);
    }

    expect(results.map((r) => r.custom_id).sort()).toEqual(requests.map((r) => r.custom_id).sort());
    expect(results.every((r) => r.result.type === "succeeded")).toBe(true);
    expect(listed).toEqual([...ids].reverse());
    const stats = target.stats();
    expect(stats.batchesCreated).toBe(4);
    for (const kind of ["429", "500", "529", "drop"] as const) {
      expect(stats.faults[kind], kind).toBeGreaterThan(0);
    }
    expect(stats.faults["lost-response"]).toBe(0);
  });

  it("a create that keeps failing with 500 creates nothing, however often it is retried", async () => {
    const target = await emulator({
      faults: {
        rate: 1,
        kinds: ["500", "529", "drop"],
        routes: ["batches.create"],
        retryAfterMs: 1,
      },
    });
    const client = clientFor(target, { maxRetries: 3 });
    const error = await client.messages.batches
      .create({ requests: [simpleRequest("never")] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    const stats = target.stats();
    expect(stats.requests["batches.create"]).toBe(4); // 1 + 3 retries
    expect(stats.batchesCreated).toBe(0);
    // Other routes are untouched by a fault limited to `batches.create`.
    expect((await client.messages.batches.list()).data).toEqual([]);
  });

  it("answers faults with the API's envelope, request-id and retry headers", async () => {
    const target = await emulator({
      faults: { rate: 1, kinds: ["429"], retryAfterSeconds: 2 },
    });
    const response = await fetch(`${target.url}/v1/messages/batches`, {
      headers: { "x-api-key": "k" },
    });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(response.headers.get("retry-after-ms")).toBeNull();
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      type: "error",
      error: { type: "rate_limit_error", message: expect.any(String) },
      request_id: response.headers.get("request-id"),
    });

    target.setFaults({ rate: 1, kinds: ["529"], retryAfterMs: 1 });
    const client = clientFor(target, { maxRetries: 0 });
    const overloaded = await client.messages.batches.list().catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error");

    target.setFaults(undefined);
    expect((await client.messages.batches.list()).data).toEqual([]);
  });
});

describe("lost responses (opt-in)", () => {
  it("a create whose response is lost has created a batch; a blind retry creates a second", async () => {
    const target = await emulator();
    target.setFaults({ rate: 1, kinds: ["lost-response"], routes: ["batches.create"] });

    const noRetry = clientFor(target, { maxRetries: 0 });
    const error = await noRetry.messages.batches
      .create({ requests: [simpleRequest("once")] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIConnectionError);
    const [lost] = target.stats().lostResponses;
    expect(lost?.route).toBe("batches.create");

    target.setFaults(undefined);
    const listed = await noRetry.messages.batches.list();
    expect(listed.data.map((b) => b.id)).toEqual([lost?.batchId]);
    await waitUntilEnded(noRetry, lost!.batchId!);

    // The hazard a runner must guard against (e.g. by listing before it retries a create).
    target.setFaults({ rate: 1, kinds: ["lost-response"], routes: ["batches.create"] });
    const blind = clientFor(target, { maxRetries: 1 });
    await blind.messages.batches.create({ requests: [simpleRequest("twice")] }).catch(() => {});
    expect(target.stats().batchesCreated).toBe(3);
    expect(target.stats().lostResponses).toHaveLength(3);
  });
});
