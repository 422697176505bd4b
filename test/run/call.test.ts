/**
 * The API caller's retry rules (`src/run/_call.ts`): which failures are retried, how long it
 * waits (the API's `retry-after` first, else backoff with jitter), and that a create is sent once.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiCaller, type CallPolicy, retryable } from "../../src/run/_call.js";
import { RunStopped } from "../../src/run/_stopped.js";
import { seededRandom } from "../../src/util/random.js";

const policy = (over: Partial<CallPolicy> = {}): CallPolicy => ({
  maxRetries: 3,
  timeoutMs: 1000,
  createTimeoutMs: 1000,
  backoff: { initialMs: 1, maxMs: 4 },
  random: seededRandom(1),
  noticeMs: 10_000,
  ...over,
});

/** An error shaped like the SDK's, with headers. */
function apiError(status: number | undefined, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`${status}`), {
    name: status === undefined ? "APIConnectionError" : "APIError",
    status,
    headers: { get: (name: string) => headers[name] ?? null },
  });
}

describe("ApiCaller", () => {
  it("retries no answer, 408, 409, 429 and 5xx; not 400, 401, 404 or an abort", () => {
    for (const s of [undefined, 408, 409, 429, 500, 503, 529])
      expect(retryable(apiError(s))).toBe(true);
    for (const s of [400, 401, 403, 404, 413]) expect(retryable(apiError(s))).toBe(false);
    expect(retryable(Object.assign(new Error("x"), { name: "APIUserAbortError" }))).toBe(false);
  });

  it("waits what retry-after asks, else a jittered backoff within [half, all] of the step (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer(), (attempt, seed) => {
        const caller = new ApiCaller(
          policy({ backoff: { initialMs: 1000, maxMs: 30_000 }, random: seededRandom(seed) }),
          undefined,
          () => {},
        );
        const full = Math.min(30_000, 1000 * 2 ** (attempt - 1));
        const d = caller.delayMs(attempt, apiError(500));
        expect(d).toBeGreaterThanOrEqual(full / 2);
        expect(d).toBeLessThanOrEqual(full);
        expect(caller.delayMs(attempt, apiError(429, { "retry-after": "7" }))).toBe(7000);
        expect(caller.delayMs(attempt, apiError(429, { "retry-after-ms": "250" }))).toBe(250);
      }),
    );
  });

  it("the default retries ride out a bad minute", () => {
    const caller = new ApiCaller(
      policy({ maxRetries: 8, backoff: { initialMs: 1000, maxMs: 30_000 }, random: () => 0 }),
      undefined,
      () => {},
    );
    let total = 0;
    for (let attempt = 1; attempt <= 8; attempt++) total += caller.delayMs(attempt, apiError(500));
    expect(total).toBeGreaterThanOrEqual(60_000);
  });

  it("retries an idempotent call until it succeeds, and gives up after maxRetries", async () => {
    const events: string[] = [];
    const caller = new ApiCaller(policy(), undefined, (e) => events.push(e.type));
    let calls = 0;
    const flaky = async () => {
      calls += 1;
      if (calls < 3) throw apiError(503);
      return "ok";
    };
    await expect(caller.idempotent("retrieving", flaky)).resolves.toBe("ok");
    expect(events).toEqual(["backoff", "backoff"]);
    calls = -10;
    await expect(caller.idempotent("retrieving", flaky)).rejects.toMatchObject({ status: 503 });
  });

  it("sends a create once, whatever the failure", async () => {
    const caller = new ApiCaller(policy(), undefined, () => {});
    let calls = 0;
    const create = async () => {
      calls += 1;
      throw apiError(500);
    };
    await expect(caller.sendOnce("creating", create)).rejects.toMatchObject({ status: 500 });
    expect(calls).toBe(1);
  });

  it("gives each attempt its own signal, following the run's and released after", async () => {
    const run = new AbortController();
    const caller = new ApiCaller(policy(), run.signal, () => {});
    const seen: AbortSignal[] = [];
    for (let i = 0; i < 30; i++) await caller.idempotent("x", async (o) => seen.push(o.signal));
    expect(new Set(seen).size).toBe(30);
    expect(seen.includes(run.signal)).toBe(false);
    const pending = caller.idempotent(
      "x",
      (o) =>
        new Promise((_, reject) =>
          o.signal.addEventListener("abort", () => reject(o.signal.reason)),
        ),
    );
    run.abort(new Error("stop"));
    const error = await pending.catch((e: unknown) => e);
    // The run's stop is no failure: a RunStopped, with what the attempt threw as its cause.
    expect(error).toBeInstanceOf(RunStopped);
    expect((error as Error).cause).toMatchObject({ message: "stop" });
  });

  it("a stop during a backoff ends the call at once, a RunStopped, with no further attempt", async () => {
    const run = new AbortController();
    const caller = new ApiCaller(
      { ...policy(), maxRetries: 8, backoff: { initialMs: 60_000, maxMs: 60_000 } },
      run.signal,
      (event) => {
        if (event.type === "backoff") run.abort();
      },
    );
    let attempts = 0;
    const error = await caller
      .idempotent("x", async () => {
        attempts++;
        throw Object.assign(new Error("overloaded"), { status: 529 });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunStopped);
    expect(attempts).toBe(1);
  });
});
