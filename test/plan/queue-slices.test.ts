/**
 * Plans that know the processing queue (issue 14 item 5): given `maxQueued`, a job larger than
 * the queue is cut into slices, group by group, each slice's primers in the wave just before its
 * readers; a group larger than a slice is primed again in later slices, and that is priced.
 */

import { writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { estimate, type Plan, plan, readPlan } from "../../src/index.js";
import { formatWarning } from "../../src/plan/warnings.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { sharedCounter } from "../helpers/emulator.js";
import { words } from "../helpers/word-counter.js";

/** Groups of the given sizes, each under its own ~1,500-token system prompt (primed). */
function job(sizes: readonly number[]) {
  return sizes.flatMap((n, g) => {
    const system = `Classify the ticket. ${words(`rubric${g}`, 1500)}`;
    return Array.from({ length: n }, (_, i) => ({
      custom_id: `g${g}-r${i}`,
      params: {
        model: "claude-sonnet-4-6",
        max_tokens: 16,
        system,
        messages: [{ role: "user", content: `Ticket ${i}: ${words(`t${g}x${i}`, 12)}` }],
      },
    }));
  });
}

const planned = (sizes: readonly number[], maxQueued?: number) =>
  plan(job(sizes), {
    strategy: "primed",
    counter: sharedCounter,
    ...(maxQueued === undefined ? {} : { maxQueued }),
  });

/** Wave of each custom_id. */
function waves(p: Plan): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of p.batches) for (const r of b.requests) out.set(r.custom_id, b.wave);
  return out;
}

/** The shape every sliced plan has, whatever the group sizes. */
function checkSliced(p: Plan, maxQueued: number): void {
  const waveOf = waves(p);
  const primers = new Set(p.groups.flatMap((g) => g.primers));
  const readersPerWave = new Map<number, number>();
  for (const [id, w] of waveOf) {
    if (!primers.has(id)) readersPerWave.set(w, (readersPerWave.get(w) ?? 0) + 1);
  }
  // Within the queue: no wave holds more readers than it lets in.
  for (const n of readersPerWave.values()) expect(n).toBeLessThanOrEqual(maxQueued);
  for (const g of p.groups) {
    if (g.primers.length === 0) continue; // a cold group: nothing to prime
    const readerWaves = g.customIds.filter((id) => !primers.has(id)).map((id) => waveOf.get(id)!);
    const first = Math.min(...readerWaves);
    const primerWaves = g.primers.map((id) => waveOf.get(id)!);
    // The group's first primer runs in the wave just before its first readers.
    expect(Math.min(...primerWaves)).toBe(first - 1);
    // Its readers run in consecutive reader waves (a slice holds one primer and one reader wave).
    const distinct = [...new Set(readerWaves)].sort((a, b) => a - b);
    for (let k = 1; k < distinct.length; k++) {
      expect(distinct[k]! - distinct[k - 1]!).toBeLessThanOrEqual(2);
      // …and each later slice starts with a re-prime of the group (the 1h entry may be gone).
      expect(primerWaves).toContain(distinct[k]! - 1);
    }
  }
  // Group by group: groups start in planned order.
  const starts = p.groups.map((g) => Math.min(...g.customIds.map((id) => waveOf.get(id)!)));
  expect(starts).toEqual([...starts].sort((a, b) => a - b));
}

describe("cacheplan plan --max-queued", () => {
  it("slices the job read from a file and says so", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const file = path.join(dir, "requests.jsonl");
      await writeFile(
        file,
        job([10, 10, 10, 10, 10, 10])
          .map((r) => JSON.stringify(r))
          .join("\n"),
      );
      const out = path.join(dir, "plan");
      const run = await runCli([
        "plan",
        file,
        "--out",
        out,
        "--strategy",
        "primed",
        "--max-queued",
        "20",
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout + run.stderr).toMatch(
        /Sliced for the processing queue: 60 requests, more than the queue of 20, planned as 3 slices in 6 waves/,
      );
      const written = await readPlan(out);
      expect(written.options.maxQueued).toBe(20);
      expect(written.summary.waves).toBe(6);
      checkSliced(written, 20);
    } finally {
      await cleanup();
    }
  });
});

describe("plan with maxQueued", () => {
  it("cuts a job larger than the queue into slices, each group's primer just before its readers", async () => {
    const p = await planned([10, 10, 10, 10, 10, 10], 20);
    checkSliced(p, 20);
    expect(p.summary.waves).toBe(6); // 3 slices: 2 groups of 9 readers each
    const note = p.warnings.find((w) => w.kind === "queue-slices");
    expect(note).toMatchObject({ maxQueued: 20, requests: 60, slices: 3, waves: 6, reprimes: 0 });
    expect(formatWarning(note!)).toMatch(
      /^Sliced for the processing queue: 60 requests, more than the queue of 20, planned as 3 slices in 6 waves, group by group/,
    );
    expect(p.options.maxQueued).toBe(20);
  });

  it("primes a group larger than a slice again in each later slice, and prices it", async () => {
    const plain = await planned([50]);
    const sliced = await planned([50], 20);
    checkSliced(sliced, 20);
    const note = sliced.warnings.find((w) => w.kind === "queue-slices");
    // 49 readers: slices of 20, 20 and 9; the group continues into two later slices.
    expect(note).toMatchObject({ slices: 3, reprimedGroups: 1, reprimes: 2 });
    const [a, b] = [plain.groups[0]!, sliced.groups[0]!];
    expect(b.breakpoints[0]!.expectedWrites).toBe(a.breakpoints[0]!.expectedWrites + 2);
    expect(b.breakpoints[0]!.expectedReads).toBe(a.breakpoints[0]!.expectedReads - 2);
    expect(b.primers).toHaveLength(a.primers.length + 2);
    // Priced: two more 1h writes instead of two reads of the shared prefix.
    const extra = b.inputUnits.planned - a.inputUnits.planned;
    expect(extra).toBeCloseTo(2 * b.sharedTokens * (2 - 0.1), -1);
    // …and the estimate prices them: two more 1h writes of the prefix, two fewer reads.
    const opts = { counter: sharedCounter, plannedModel: "expected", sensitivity: false } as const;
    const [ea, eb] = [await estimate(plain, opts), await estimate(sliced, opts)];
    const tokens = (e: typeof ea) => e.total.scenarios.planned.tokens;
    expect(tokens(eb).cacheWrite1h - tokens(ea).cacheWrite1h).toBeCloseTo(2 * b.sharedTokens, -2);
    expect(eb.total.scenarios.planned.usd).toBeGreaterThan(ea.total.scenarios.planned.usd);
  });

  it("leaves a job that fits in the queue as it was (the option only recorded)", async () => {
    const plain = await planned([10, 10]);
    const fits = await planned([10, 10], 20);
    expect(fits.batches).toEqual(plain.batches);
    expect(fits.groups).toEqual(plain.groups);
    expect(fits.warnings.some((w) => w.kind === "queue-slices")).toBe(false);
    expect(plain.options.maxQueued).toBeUndefined();
  });

  it("is deterministic", async () => {
    const sizes = [7, 30, 4, 12];
    const [x, y] = [await planned(sizes, 15), await planned(sizes, 15)];
    expect(JSON.stringify(x)).toBe(JSON.stringify(y));
  });

  it("keeps the slice shape for any group sizes and queue (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 3, max: 25 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 5, max: 30 }),
        async (sizes, maxQueued) => {
          const p = await planned(sizes, maxQueued);
          const total = sizes.reduce((s, n) => s + n, 0);
          expect(p.summary.planned).toBe(total);
          if (total > maxQueued && p.groups.some((g) => g.primers.length > 0)) {
            expect(p.warnings.some((w) => w.kind === "queue-slices")).toBe(true);
            checkSliced(p, maxQueued);
          }
        },
      ),
      { numRuns: 12, seed: 14 },
    );
  }, 120_000);

  it("refuses a maxQueued that is not a whole number ≥ 1", async () => {
    await expect(planned([3], 0)).rejects.toThrow(/`maxQueued` must be a whole number >= 1; got 0/);
  });
});
