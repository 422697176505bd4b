import { describe, expect, it } from "vitest";
import { CacheState } from "../../src/exports/sim.js";
import { TTL_MS } from "../../src/targets/anthropic/index.js";
import { request, text } from "../helpers/requests.js";
import { words } from "../helpers/word-counter.js";
import { prepare, run, usage } from "./_helpers.js";

// Reference fact 7 / §3: the lifetime runs from the START of the request that writes or reads the
// entry, and each hit refreshes it. Fact 14 / §1.1: an entry becomes readable only after the
// response that writes it starts.

const SYSTEM = words("sys", 2000);
const req = (id: string, ttl: "5m" | "1h" = "5m") =>
  request(id, { system: [text(SYSTEM, ttl)], user: words(id, 10) });
const HIT = usage(10, 2000, 0, 0);
const MISS_5M = usage(10, 0, 2000, 0);

describe("TTL (fact 7)", () => {
  it("is 5 minutes or 1 hour", () => {
    expect(TTL_MS).toEqual({ "5m": 300_000, "1h": 3_600_000 });
  });

  it("a read at expiresAt − 1 hits", () => {
    const cache = new CacheState();
    run(cache, req("w"), 0, 1_000); // written at start 0 → expiresAt 300,000
    expect(run(cache, req("r"), 299_999)).toEqual(HIT);
  });

  it("a read at expiresAt misses and writes again", () => {
    const cache = new CacheState();
    run(cache, req("w"), 0, 1_000);
    expect(run(cache, req("r"), 300_000)).toEqual(MISS_5M);
  });

  it("counts from the writer's start, not from when its response starts or ends", () => {
    const cache = new CacheState();
    // Response starts at 60 s: still, the entry expires at 0 + 5 min.
    run(cache, req("w"), 0, 60_000);
    const entry = cache.peek(prepare(cache, req("w")), 0);
    expect(entry).toMatchObject({ ttl: "5m", readableAt: 60_000, expiresAt: 300_000 });
  });

  it("a hit refreshes the entry from the reader's start", () => {
    const cache = new CacheState();
    run(cache, req("w"), 0, 1_000);
    expect(run(cache, req("r1"), 299_999)).toEqual(HIT); // now expires at 599,999
    expect(run(cache, req("r2"), 599_998)).toEqual(HIT);
    expect(run(cache, req("r3"), 599_998 + 300_000)).toEqual(MISS_5M);
  });

  it("a 1h entry lives 3,600,000 ms", () => {
    const cache = new CacheState();
    run(cache, req("w", "1h"), 0, 1_000);
    expect(run(cache, req("r1", "1h"), 3_599_999)).toEqual(HIT);
    const fresh = new CacheState();
    run(fresh, req("w", "1h"), 0, 1_000);
    expect(run(fresh, req("r2", "1h"), 3_600_000)).toEqual(usage(10, 0, 0, 2000));
  });

  it("a read through a 5m breakpoint refreshes a 1h entry by 5 minutes only (undocumented, §9)", () => {
    const cache = new CacheState();
    run(cache, req("w", "1h"), 0, 1_000); // expires at 3,600,000
    run(cache, req("r", "5m"), 3_500_000); // refresh: max(3,600,000, 3,500,000 + 300,000)
    expect(cache.peek(prepare(cache, req("w", "1h")), 0)?.expiresAt).toBe(3_800_000);
  });
});

describe("visibility after the writer's response starts (fact 14)", () => {
  it("a request starting before the writer's response starts misses", () => {
    const cache = new CacheState();
    run(cache, req("w"), 0, 1_000); // readable at 1,000
    expect(run(cache, req("r"), 999)).toEqual(MISS_5M);
  });

  it("a request starting when or after it starts hits", () => {
    const cache = new CacheState();
    run(cache, req("w"), 0, 1_000);
    expect(run(cache, req("r1"), 1_000)).toEqual(HIT);
    expect(run(cache, req("r2"), 1_001)).toEqual(HIT);
  });

  it("two concurrent writers make one entry, readable when the first response starts", () => {
    const cache = new CacheState();
    run(cache, req("w1"), 0, 1_500);
    run(cache, req("w2"), 100, 1_200); // misses (1st not readable yet), writes too
    expect(cache.size).toBe(1);
    expect(cache.peek(prepare(cache, req("w1")), 0)).toMatchObject({
      readableAt: 1_200,
      expiresAt: 300_100,
    });
  });
});

describe("isolation", () => {
  it("per workspace (§1.7)", () => {
    const cache = new CacheState();
    const w = cache.lookup(prepare(cache, req("w"), { workspace: "a" }), 0, "batch");
    cache.commit(w, 1_000);
    const other = cache.lookup(prepare(cache, req("r"), { workspace: "b" }), 5_000, "batch");
    expect(other.usage).toEqual(MISS_5M);
    const same = cache.lookup(prepare(cache, req("r"), { workspace: "a" }), 5_000, "batch");
    expect(same.usage).toEqual(HIT);
  });

  it("per model (§1.6)", () => {
    const cache = new CacheState();
    run(cache, req("w"), 0, 1_000);
    const opus = request("o", {
      model: "claude-opus-5",
      system: [text(SYSTEM, "5m")],
      user: words("o", 10),
    });
    expect(run(cache, opus, 5_000)).toEqual(MISS_5M);
  });

  it("Messages-API entries are seen by batches with `syncToBatchVisibility` (fact 15)", () => {
    for (const [visibility, expected] of [
      [0, MISS_5M],
      [1, HIT],
    ] as const) {
      const cache = new CacheState({ syncToBatchVisibility: visibility });
      cache.commit(cache.lookup(prepare(cache, req("sync")), 0, "messages"), 1_000);
      expect(cache.lookup(prepare(cache, req("b")), 5_000, "batch").usage).toEqual(expected);
    }
  });
});
