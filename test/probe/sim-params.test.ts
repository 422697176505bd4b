/**
 * The cache-model parameters the probe measures, as the emulator and `simulate()` take them:
 * `batchReadRate`, `visibilityDelayMs` and `ttlMs` (src/sim/cache.ts, params.ts). Each test
 * fails without its parameter (the default behaviour is asserted next to the changed one).
 */
import { describe, expect, it } from "vitest";
import { CacheState, resolveSimParams } from "../../src/exports/sim.js";
import { request, text } from "../helpers/requests.js";
import { words } from "../helpers/word-counter.js";
import { run, usage, wordTokens } from "../sim/_helpers.js";

const SYSTEM = words("sys", 2000);
const req = (id: string) => request(id, { system: [text(SYSTEM, "5m")], user: words(id, 10) });
const HIT = usage(10, 2000, 0, 0);
const MISS = usage(10, 0, 2000, 0);

describe("CacheState cache-model parameters", () => {
  it("ttlMs shortens a TTL; the default is 5 minutes", () => {
    const short = new CacheState({ ttlMs: { "5m": 120_000 } });
    run(short, req("w"), 0);
    expect(run(short, req("r"), 119_999)).toEqual(HIT);
    const fresh = new CacheState({ ttlMs: { "5m": 120_000 } });
    run(fresh, req("w"), 0);
    expect(run(fresh, req("r"), 120_000)).toEqual(MISS);
    const documented = new CacheState();
    run(documented, req("w"), 0);
    expect(run(documented, req("r"), 120_000)).toEqual(HIT);
  });

  it("visibilityDelayMs delays readability after the response start", () => {
    const delayed = new CacheState({ visibilityDelayMs: 5_000 });
    run(delayed, req("w"), 0, 1_000); // readable from 1,000 + 5,000
    expect(run(delayed, req("r1"), 5_999)).toEqual(MISS);
    const again = new CacheState({ visibilityDelayMs: 5_000 });
    run(again, req("w"), 0, 1_000);
    expect(run(again, req("r2"), 6_000)).toEqual(HIT);
    const undelayed = new CacheState();
    run(undelayed, req("w"), 0, 1_000);
    expect(run(undelayed, req("r3"), 1_000)).toEqual(HIT);
  });

  it("batchReadRate makes batch hits best-effort, at about that rate", () => {
    const tally = (rate: number | undefined) => {
      let hits = 0;
      for (let seed = 1; seed <= 400; seed++) {
        const cache = new CacheState(rate === undefined ? { seed } : { batchReadRate: rate, seed });
        run(cache, req("w"), 0, 1_000);
        if (run(cache, req("r"), 10_000).cache_read_input_tokens > 0) hits += 1;
      }
      return hits / 400;
    };
    expect(tally(undefined)).toBe(1);
    expect(tally(0)).toBe(0);
    expect(Math.abs(tally(0.3) - 0.3)).toBeLessThan(0.07);
  });

  it("resolveSimParams checks them", () => {
    const base = { tokensOf: wordTokens };
    expect(() => resolveSimParams({ ...base, batchReadRate: 1.5 })).toThrow(/batchReadRate/);
    expect(() => resolveSimParams({ ...base, visibilityDelayMs: -1 })).toThrow(/visibilityDelayMs/);
    expect(() => resolveSimParams({ ...base, ttlMs: { "5m": 0 } })).toThrow(/ttlMs\.5m/);
    expect(resolveSimParams(base)).toMatchObject({
      batchReadRate: 1,
      visibilityDelayMs: 0,
      ttlMs: { "5m": 300_000, "1h": 3_600_000 },
    });
  });
});
