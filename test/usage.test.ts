/**
 * `readUsage`: the one reader of a result's `usage` (simulator, runner, report). Reference §8:
 * `input_tokens` is only the uncached part; `cache_creation.ephemeral_5m_input_tokens` and
 * `ephemeral_1h_input_tokens` split `cache_creation_input_tokens` by TTL and sum to it; with no
 * split every write is 5m, the default TTL (reference §3).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { USAGE_FIELDS } from "../src/targets/anthropic/usage.js";
import type { UsageFields } from "../src/targets/target.js";
import { readUsage, UsageSum } from "../src/usage.js";

const read = (usage: unknown) => readUsage(usage, USAGE_FIELDS);

describe("readUsage", () => {
  it("splits the write by TTL from cache_creation", () => {
    // 300 written: 100 for 5m, 200 for 1h; 50 read; 7 uncached input; 9 output.
    const r = read({
      input_tokens: 7,
      output_tokens: 9,
      cache_read_input_tokens: 50,
      cache_creation_input_tokens: 300,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
    });
    expect(r).toEqual({
      ok: true,
      tokens: { input: 7, cacheWrite5m: 100, cacheWrite1h: 200, cacheRead: 50, output: 9 },
      unsplit: false,
      mismatched: false,
    });
  });

  it("counts every write as 5m when there is no split, and says so", () => {
    const r = read({
      input_tokens: 1,
      output_tokens: 2,
      cache_creation_input_tokens: 40,
      cache_creation: null,
    });
    expect(r).toMatchObject({
      ok: true,
      tokens: { cacheWrite5m: 40, cacheWrite1h: 0, cacheRead: 0 },
      unsplit: true,
    });
    // Nothing written: nothing to split, nothing to flag.
    expect(read({ input_tokens: 1, output_tokens: 2 })).toMatchObject({ unsplit: false });
  });

  it("trusts the total when the split does not sum to it; takes the split when the total is null", () => {
    const over = read({
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 10,
      cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 30 },
    });
    expect(over).toMatchObject({
      tokens: { cacheWrite5m: 0, cacheWrite1h: 10 },
      mismatched: true,
    });
    const noTotal = read({
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: null,
      cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 4 },
    });
    expect(noTotal).toMatchObject({
      tokens: { cacheWrite5m: 3, cacheWrite1h: 4 },
      mismatched: false,
    });
  });

  it("says what is wrong with a malformed usage, naming the field", () => {
    expect(read(null)).toEqual({ ok: false, problem: "there is no usage object" });
    expect(read({ input_tokens: -1, output_tokens: 0 })).toMatchObject({
      ok: false,
      problem: expect.stringContaining("`usage.input_tokens`"),
    });
    expect(read({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: "5" })).toMatchObject(
      { ok: false, problem: expect.stringContaining("`usage.cache_read_input_tokens`") },
    );
    expect(
      read({
        input_tokens: 0,
        output_tokens: 0,
        cache_creation_input_tokens: 1,
        cache_creation: { ephemeral_5m_input_tokens: "1" },
      }),
    ).toMatchObject({ ok: false, problem: expect.stringContaining("`usage.cache_creation`") });
  });

  it("takes the uncached input out of a total that includes the cache, for targets that report so", () => {
    const fields: UsageFields = {
      path: ["response", "body", "usage"],
      input: "prompt_tokens",
      output: "completion_tokens",
      cacheRead: "cached_tokens",
      cacheWrite: undefined,
      cacheWriteByTtl: undefined,
      inputIncludesCache: true,
    };
    expect(
      readUsage({ prompt_tokens: 100, completion_tokens: 5, cached_tokens: 60 }, fields),
    ).toMatchObject({ ok: true, tokens: { input: 40, cacheRead: 60, cacheWrite5m: 0 } });
    expect(
      readUsage({ prompt_tokens: 10, completion_tokens: 5, cached_tokens: 60 }, fields),
    ).toMatchObject({ ok: false });
  });

  it("keeps every token: the kinds add up to input + creation + read (reference §8)", () => {
    const count = fc.nat({ max: 1e6 });
    fc.assert(
      fc.property(count, count, count, count, count, fc.boolean(), (i, o, r, m5, h1, split) => {
        const usage = {
          input_tokens: i,
          output_tokens: o,
          cache_read_input_tokens: r,
          cache_creation_input_tokens: m5 + h1,
          cache_creation: split
            ? { ephemeral_5m_input_tokens: m5, ephemeral_1h_input_tokens: h1 }
            : null,
        };
        const reading = read(usage);
        if (!reading.ok) throw new Error(reading.problem);
        const t = reading.tokens;
        expect(t.input + t.cacheWrite5m + t.cacheWrite1h + t.cacheRead).toBe(i + m5 + h1 + r);
        expect(t.cacheWrite1h).toBe(split ? h1 : 0);
      }),
    );
  });
});

describe("UsageSum", () => {
  it("adds usages by kind and counts those that read and wrote", () => {
    const sum = new UsageSum();
    for (const usage of [
      { input_tokens: 5, output_tokens: 1, cache_read_input_tokens: 10 },
      {
        input_tokens: 2,
        output_tokens: 3,
        cache_creation_input_tokens: 7,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 7 },
      },
    ]) {
      const reading = read(usage);
      if (reading.ok) sum.add(reading);
    }
    expect(sum.tokens).toEqual({
      input: 7,
      cacheWrite5m: 0,
      cacheWrite1h: 7,
      cacheRead: 10,
      output: 4,
    });
    expect([sum.count, sum.withReads, sum.withWrites]).toEqual([2, 1, 1]);
  });
});
