import { describe, expect, it } from "vitest";
import type { BreakpointNode } from "../../src/estimate/_paths.js";
import { MISSED, READ, simulatedTokens, WROTE } from "../../src/estimate/_simulated.js";
import type { TokenBreakdown } from "../../src/exports/pricing.js";
import {
  type BatchRequest,
  type Estimate,
  type EstimateFigures,
  estimate,
  OptionsError,
  type PlannedBreakpoint,
  plan,
} from "../../src/index.js";
import { sampleRequests } from "../../src/sample.js";
import { createWordCounter } from "../helpers/word-counter.js";

// `planned` from the cache and batch simulator (src/estimate/_simulated.ts), priced by hand from
// the reference (shared/reference/anthropic-caching-and-batches.md §7, state 2026-11-22).
// Claude Sonnet 4.5 (PC-zh): $3 input, $15 output per MTok; read 0.1× ($0.30), 5m write 1.25×
// ($3.75), 1h write 2× ($6) (fact 8); batch 0.5× (fact 9). The word counter counts one token per
// word. The job: 10 requests under one 2,000-word system prompt, 10-word unique tails, 50 output
// tokens each (500 in all).
//
// Simulated timing with the defaults (src/sim/params.ts): a request starts within 250 ms of its
// slot opening; its writes are readable 500 ms + 0.1 ms a prompt token later (~0.7 s here); it
// ends 50 × 20 ms = 1 s after that. So the first `concurrency` requests of a batch all miss and
// write, and every later one starts after their writes are readable, and reads.

const text = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${tag}${i % 7}`).join(" ");

function tenRequests(): BatchRequest[] {
  const system = text("sys", 2000);
  return Array.from(
    { length: 10 },
    (_, i): BatchRequest => ({
      custom_id: `r${i}`,
      params: {
        model: "claude-sonnet-4-5",
        max_tokens: 100,
        system,
        messages: [{ role: "user", content: text(`u${i}x`, 10) }],
      },
    }),
  );
}

const tokens = (t: Partial<TokenBreakdown>): TokenBreakdown => ({
  input: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  cacheRead: 0,
  output: 0,
  ...t,
});

/** The cold plan: one 5m breakpoint on `system`, expected 4 writes and 6 reads (concurrency 4). */
async function coldPlan() {
  const counter = createWordCounter();
  const planned = await plan(tenRequests(), {
    counter,
    strategy: "cold",
    ttl: "5m",
    concurrency: 4,
  });
  expect(planned.groups[0]!.breakpoints).toMatchObject([
    { prefixTokens: 2000, ttl: "5m", mode: "cold", expectedWrites: 4, expectedReads: 6 },
  ]);
  return { planned, counter };
}

// USD of the cold group by number of writes w (10 − w reads), tails and output included:
// 0.5 × (100×3 + w×2,000×3.75 + (10 − w)×2,000×0.3 + 500×15) / M.
const coldUsd = (writes: number) =>
  (0.5 * (300 + writes * 7500 + (10 - writes) * 600 + 7500)) / 1e6;

describe("planned from the simulator: a primed group (1 primer wave, then the rest)", () => {
  it("equals ideal: the primer writes, all 9 others read", async () => {
    const counter = createWordCounter();
    const planned = await plan(tenRequests(), { counter });
    expect(planned.batches.map((b) => [b.wave, b.requestCount])).toEqual([
      [0, 1],
      [1, 9],
    ]);
    const result = await estimate(planned, { counter, count: "full", outputTokens: 50 });
    const s = result.total.scenarios;
    // Wave 1 starts 6 to 16 minutes after the primer (1 min gap, 5 to 15 min start delay): the 1h
    // entry is alive. 1h write 2,000; read 9 × 2,000 = 18,000; input the 10 tails:
    //   0.5 × (100×3 + 2,000×6 + 18,000×0.3 + 500×15) / M = 0.5 × 25,200 / M = $0.0126
    expect(s.planned.tokens).toEqual(
      tokens({ input: 100, cacheWrite1h: 2000, cacheRead: 18_000, output: 500 }),
    );
    expect(s.planned.usd).toBeCloseTo(0.0126, 9);
    expect(s.planned).toEqual(s.ideal);
    expect(result.plannedModel).toMatchObject({
      kind: "simulate",
      concurrency: 64,
      seed: 1,
      sensitivity: [16, 64, 256],
      fallbackRequests: 0,
    });
  });
});

describe("planned from the simulator: a cold group", () => {
  it("at the plan's concurrency (4): 4 writes, 6 reads, as the plan expects", async () => {
    const { planned, counter } = await coldPlan();
    const result = await estimate(planned, { counter, count: "full", outputTokens: 50 });
    expect(result.plannedModel).toMatchObject({ kind: "simulate", concurrency: 4 });
    // 5m write 4 × 2,000 = 8,000; read 6 × 2,000 = 12,000 → 0.5 × 41,400 / M = $0.0207
    expect(result.total.scenarios.planned.tokens).toEqual(
      tokens({ input: 100, cacheWrite5m: 8000, cacheRead: 12_000, output: 500 }),
    );
    expect(result.total.scenarios.planned.usd).toBeCloseTo(coldUsd(4), 12);
    expect(coldUsd(4)).toBeCloseTo(0.0207, 12);
  });

  it("that fits inside the simulated concurrency (64) costs what worst does", async () => {
    // §10: cold batches of 10–48 read 0%: all 10 start together and none sees another's write.
    const { planned, counter } = await coldPlan();
    const result = await estimate(planned, {
      counter,
      count: "full",
      outputTokens: 50,
      simParams: { concurrency: 64 },
    });
    const s = result.total.scenarios;
    // 5m write 10 × 2,000 = 20,000 → 0.5 × (300 + 75,000 + 7,500) / M = $0.0414
    expect(s.planned.tokens).toEqual(tokens({ input: 100, cacheWrite5m: 20_000, output: 500 }));
    expect(s.planned.usd).toBeCloseTo(0.0414, 12);
    expect(s.planned).toEqual(s.worst);
  });

  it("gives a sensitivity range at a quarter and four times the concurrency, by hand", async () => {
    const { planned, counter } = await coldPlan();
    const result = await estimate(planned, { counter, count: "full", outputTokens: 50 });
    // Concurrency 1: one request at a time, each starts after the previous ended: 1 write, 9
    // reads, = ideal, 0.5 × 20,700 / M. Concurrency 4: 4 writes ($0.0207). Concurrency 16: all 10
    // start together: 10 writes ($0.0414).
    const range = result.total.plannedRange!;
    expect(range.runs.map((r) => r.concurrency)).toEqual([1, 4, 16]);
    expect(range.runs[0]!.usd).toBeCloseTo(coldUsd(1), 12);
    expect(range.runs[0]!.usd).toBeCloseTo(result.total.scenarios.ideal.usd, 12);
    expect(range.runs[1]!.usd).toBe(result.total.scenarios.planned.usd);
    expect(range.runs[2]!.usd).toBeCloseTo(coldUsd(10), 12);
    expect(range.low).toBeCloseTo(0.01035, 12);
    expect(range.high).toBeCloseTo(0.0414, 12);
    // The same per model and per group: one of each here.
    expect(result.byModel["claude-sonnet-4-5"]!.plannedRange).toEqual(range);
    expect(result.groups[0]!.plannedRange).toEqual(range);
  });
});

describe('plannedModel: "expected"', () => {
  it("reproduces the plan's expected writes and reads, with no simulation", async () => {
    const { planned, counter } = await coldPlan();
    const result = await estimate(planned, {
      counter,
      count: "full",
      outputTokens: 50,
      plannedModel: "expected",
      simParams: { concurrency: 64 }, // ignored
    });
    // The plan's 4 expected writes and 6 reads: $0.0207 (test/estimate/estimate.test.ts).
    expect(result.total.scenarios.planned.tokens).toEqual(
      tokens({ input: 100, cacheWrite5m: 8000, cacheRead: 12_000, output: 500 }),
    );
    expect(result.total.scenarios.planned.usd).toBeCloseTo(0.0207, 12);
    expect(result.plannedModel).toEqual({ kind: "expected", concurrency: 4 });
    expect(result.total.plannedRange).toBeNull();
    expect(result.groups[0]!.plannedRange).toBeNull();
    expect(result.notes.some((n) => n.includes("expected writes and reads (concurrency 4"))).toBe(
      true,
    );
  });

  it("agrees with the simulation where the plan's expectations hold (nested, primed)", async () => {
    // The sample job's plan: primers in early waves, 1h entries; every entry written once.
    const planned = await plan(sampleRequests());
    const simulated = await estimate(planned, { count: "full" });
    const expected = await estimate(planned, { count: "full", plannedModel: "expected" });
    expect(simulated.total.scenarios.planned.tokens).toEqual(
      expected.total.scenarios.planned.tokens,
    );
    expect(simulated.total.scenarios.planned.usd).toBeCloseTo(
      expected.total.scenarios.planned.usd,
      9,
    );
  });

  it("rejects an unknown value", async () => {
    const { planned } = await coldPlan();
    await expect(estimate(planned, { plannedModel: "magic" as never })).rejects.toThrow(
      OptionsError,
    );
    await expect(estimate(planned, { plannedModel: "magic" as never })).rejects.toThrow(
      /`plannedModel` must be "simulate" or "expected"/,
    );
  });
});

describe("requests the simulator does not succeed", () => {
  it("are priced with the plan's expected writes and reads", async () => {
    const { planned, counter } = await coldPlan();
    const result = await estimate(planned, {
      counter,
      count: "full",
      outputTokens: 50,
      simParams: { errorRate: 1, concurrency: 64 },
    });
    expect(result.plannedModel).toMatchObject({ kind: "simulate", fallbackRequests: 10 });
    // Every request errored in the simulation: the plan's 4 writes and 6 reads, $0.0207.
    expect(result.total.scenarios.planned.usd).toBeCloseTo(0.0207, 12);
    expect(result.notes.some((n) => n.startsWith("10 requests did not succeed"))).toBe(true);
  });
});

describe("sensitivity over concurrency", () => {
  const cold = async (options: { sensitivity?: boolean } = {}) =>
    estimate(await plan(sampleRequests(), { strategy: "cold" }), { count: "full", ...options });

  it("contains the default figure, for the job, each model and each group", async () => {
    const result = await cold();
    expect(result.plannedModel).toMatchObject({ concurrency: 64, sensitivity: [16, 64, 256] });
    const all: EstimateFigures[] = [
      result.total,
      ...Object.values(result.byModel),
      ...result.groups,
    ];
    for (const figures of all) {
      const range = figures.plannedRange!;
      const planned = figures.scenarios.planned.usd;
      expect(range.runs.map((r) => r.concurrency)).toEqual([16, 64, 256]);
      expect(range.runs[1]!.usd).toBe(planned);
      expect(range.low).toBeLessThanOrEqual(planned);
      expect(range.high).toBeGreaterThanOrEqual(planned);
      expect(range.low).toBe(Math.min(...range.runs.map((r) => r.usd)));
      expect(range.high).toBe(Math.max(...range.runs.map((r) => r.usd)));
    }
    // A cold plan depends on the concurrency: more requests start before the first write.
    expect(result.total.plannedRange!.low).toBeLessThan(result.total.plannedRange!.high);
    expect(result.notes.some((n) => /At concurrency 16 to 256 it costs \$/.test(n))).toBe(true);
  });

  it("can be turned off", async () => {
    const result = await cold({ sensitivity: false });
    expect(result.plannedModel).toMatchObject({ kind: "simulate", sensitivity: null });
    expect(result.total.plannedRange).toBeNull();
    expect(Object.values(result.byModel).every((m) => m.plannedRange === null)).toBe(true);
    expect(result.notes.some((n) => n.includes("No sensitivity runs"))).toBe(true);
    // The default run is the same either way.
    const on = await cold();
    expect(result.total.scenarios).toEqual(on.total.scenarios);
  });
});

describe("determinism", () => {
  it("gives the same estimate twice, simulation included", async () => {
    const planned = await plan(sampleRequests(), { strategy: "cold" });
    const run = (): Promise<Estimate> => estimate(planned);
    const [a, b] = [await run(), await run()];
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.plannedModel).toMatchObject({ kind: "simulate" });
  });
});

describe("simulatedTokens: the API's billing of a path's outcomes (reference §3, fact 17)", () => {
  // Two breakpoints: the top one 1,000 tokens of its own, the one under it 500 more; a tail of
  // 20 tokens, no output. A = the prefix read, B = the last 1h breakpoint written, C = the last
  // breakpoint written: read A, 1h write B − A, 5m write C − B, input the rest.
  const node = (id: string, ttl: "5m" | "1h", depth: number): BreakpointNode => ({
    bp: { id, ttl, depth } as PlannedBreakpoint,
    parent: undefined,
    children: [],
  });
  const billing = (ttls: ["5m" | "1h", "5m" | "1h"], outcome: number[]) => {
    const path = [node("top", ttls[0], 1), node("doc", ttls[1], 2)];
    const deltaOf = new Map([
      [path[0]!.bp, 1000],
      [path[1]!.bp, 500],
    ]);
    return simulatedTokens(path, Uint8Array.from(outcome), deltaOf, 20, 0);
  };

  it("prices each outcome", () => {
    expect(billing(["1h", "1h"], [READ, READ])).toEqual(tokens({ input: 20, cacheRead: 1500 }));
    expect(billing(["1h", "1h"], [READ, WROTE])).toEqual(
      tokens({ input: 20, cacheRead: 1000, cacheWrite1h: 500 }),
    );
    expect(billing(["1h", "1h"], [WROTE, WROTE])).toEqual(
      tokens({ input: 20, cacheWrite1h: 1500 }),
    );
    expect(billing(["1h", "5m"], [WROTE, WROTE])).toEqual(
      tokens({ input: 20, cacheWrite1h: 1000, cacheWrite5m: 500 }),
    );
    expect(billing(["1h", "1h"], [MISSED, MISSED])).toEqual(tokens({ input: 1520 }));
    // The top written, the one under it below the minimum: A = 0, B = C = 1,000.
    expect(billing(["1h", "1h"], [WROTE, MISSED])).toEqual(
      tokens({ input: 520, cacheWrite1h: 1000 }),
    );
  });

  it("bills a missed breakpoint under a written one as written, at the deeper one's TTL", () => {
    // The top below the minimum, the deeper one written: C = 1,500, nothing read, so the API
    // bills C − A = 1,500 as written; B = 1,500 when the deeper one is 1h, else B = A = 0 (5m).
    expect(billing(["1h", "1h"], [MISSED, WROTE])).toEqual(
      tokens({ input: 20, cacheWrite1h: 1500 }),
    );
    expect(billing(["5m", "5m"], [MISSED, WROTE])).toEqual(
      tokens({ input: 20, cacheWrite5m: 1500 }),
    );
  });
});
