import { describe, expect, it } from "vitest";
import { type BatchRequest, simulate } from "../../src/index.js";
import { request, text } from "../helpers/requests.js";
import { words } from "../helpers/word-counter.js";
import { wordTokens } from "./_helpers.js";

const PREFIX = words("shared", 2000);
const items = (tag: string, n: number): BatchRequest[] =>
  Array.from({ length: n }, (_, i) =>
    request(`${tag}${i}`, {
      max_tokens: 100,
      system: [text(PREFIX, "1h")],
      user: words(`${tag}${i}`, 20),
    }),
  );

/** No start delay and one slot: requests run one after the other from time 0. */
const SERIAL = { startDelayMs: 0, startDelayJitterMs: 0, concurrency: 1 } as const;

describe("errored requests (§5.4)", () => {
  it("a seeded share errors with api_error or overloaded_error, not billed", () => {
    const result = simulate(
      { batches: [{ wave: 0, requests: items("e", 400) }] },
      { tokensOf: wordTokens, errorRate: 0.25 },
    );
    const errored = result.requests.filter((r) => r.response.result.type === "errored");
    expect(errored.length).toBeGreaterThan(60);
    expect(errored.length).toBeLessThan(140);
    const types = new Set(
      errored.map((r) =>
        r.response.result.type === "errored" ? r.response.result.error.error.type : "",
      ),
    );
    expect(types).toEqual(new Set(["api_error", "overloaded_error"]));
    for (const r of errored) {
      expect(r.cache).toBeNull();
      expect(r.timing).not.toBeNull();
      if (r.response.result.type === "errored") {
        expect(r.response.result.error.type).toBe("error");
        expect(r.response.result.error.request_id).toMatch(/^req_sim_/);
      }
    }
    const { totals } = result;
    expect(totals.succeeded + totals.errored).toBe(400);
    // Only succeeded requests count: 2,020 prompt tokens each.
    expect(totals.promptTokens).toBe(totals.succeeded * 2020);
  });

  it("an invalid request errors with invalid_request_error; the others run", () => {
    const bad = request("bad", {
      system: [1, 2, 3, 4, 5].map((i) => text(words(`s${i}`, 10), "5m")),
    });
    const result = simulate(
      { batches: [{ wave: 0, requests: [...items("ok", 3), bad] }] },
      { tokensOf: wordTokens },
    );
    const last = result.requests[3]!.response;
    expect(last).toEqual({
      custom_id: "bad",
      result: {
        type: "errored",
        error: {
          type: "error",
          error: {
            type: "invalid_request_error",
            message: "A maximum of 4 blocks with cache_control may be provided. Found 5.",
          },
          request_id: expect.stringMatching(/^req_sim_/),
        },
      },
    });
    expect(result.totals).toMatchObject({ succeeded: 3, errored: 1 });
  });
});

describe("parameters rejected inside batches (fact 13)", () => {
  it("max_tokens: 0, stream: true and speed error with invalid_request_error", () => {
    const requests = [
      request("zero", { max_tokens: 0 }),
      request("stream", { extra: { stream: true } }),
      request("fast", { extra: { speed: "fast" } }),
    ];
    const result = simulate({ batches: [{ wave: 0, requests }] }, { tokensOf: wordTokens });
    for (const r of result.requests) {
      expect(r.response.result).toMatchObject({
        type: "errored",
        error: { error: { type: "invalid_request_error" } },
      });
    }
  });
});

describe("expiry after 24 hours (fact 19)", () => {
  it("requests not started when the batch expires come back expired", () => {
    // Each request takes 500 + 2,020 × 0.1 + 50 × 20 = 1,702 ms with nothing cached, less once
    // the prefix is read; a 10 s expiry leaves room for a handful.
    const result = simulate(
      { batches: [{ wave: 0, requests: items("x", 50) }] },
      { tokensOf: wordTokens, ...SERIAL, startJitterMs: 0, batchExpiryMs: 10_000 },
    );
    const batch = result.batches[0]!;
    if (batch.state !== "ended") throw new Error("batch did not run");
    expect(batch.expiresAt).toBe(10_000);
    expect(batch.request_counts.expired).toBeGreaterThan(0);
    expect(batch.request_counts.succeeded).toBeGreaterThan(0);
    expect(batch.request_counts.succeeded + batch.request_counts.expired).toBe(50);
    expect(batch.endedAt).toBeGreaterThanOrEqual(10_000);
    for (const r of result.requests) {
      if (r.response.result.type === "expired") expect(r.timing).toBeNull();
      else expect(r.timing!.start).toBeLessThan(10_000);
    }
  });

  it("defaults to 24 hours", () => {
    const result = simulate(
      { batches: [{ wave: 0, requests: items("x", 1) }] },
      { tokensOf: wordTokens },
    );
    const batch = result.batches[0]!;
    if (batch.state !== "ended") throw new Error("batch did not run");
    expect(batch.expiresAt - batch.createdAt).toBe(86_400_000);
  });
});

describe("cancellation (§5.1)", () => {
  it("requests not started at `cancelAt` are canceled; in-flight ones complete", () => {
    const result = simulate(
      {
        batches: [
          { wave: 0, requests: items("a", 20) },
          { wave: 1, requests: items("b", 5) },
        ],
      },
      { tokensOf: wordTokens, ...SERIAL, cancelAt: 5_000 },
    );
    const [b0, b1] = result.batches;
    if (b0?.state !== "ended") throw new Error("batch 0 did not run");
    expect(b0.cancelInitiatedAt).toBe(5_000);
    expect(b0.request_counts.canceled).toBeGreaterThan(0);
    expect(b0.request_counts.succeeded + b0.request_counts.canceled).toBe(20);
    for (const r of result.requests.slice(0, 20)) {
      if (r.response.result.type === "succeeded") expect(r.timing!.start).toBeLessThan(5_000);
    }
    // Wave 1 is never submitted.
    expect(b1).toEqual({
      state: "not_submitted",
      index: 1,
      wave: 1,
      request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 5, expired: 0 },
    });
    expect(result.requests.slice(20).every((r) => r.batchId === null)).toBe(true);
    expect(result.waves[1]).toEqual({ wave: 1, batches: [1], createdAt: null, endedAt: null });
  });

  it("a batch canceled before it starts cancels every request", () => {
    const result = simulate(
      { batches: [{ wave: 0, requests: items("a", 3) }] },
      { tokensOf: wordTokens, cancelAt: 60_000 }, // the default start delay is ≥ 5 minutes
    );
    expect(result.totals).toMatchObject({ canceled: 3, succeeded: 0 });
    expect(result.batches[0]).toMatchObject({ state: "ended", endedAt: 60_000 });
  });
});
