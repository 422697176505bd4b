/**
 * The runner holds a plan folder's batches for their creates within a budget (issue 14): at most
 * two at once and at most 256 MiB of batch files unless one batch alone is larger, so two batches
 * of the API's 256 MB are never held together.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LoadBudget, MAX_LOADED, MAX_LOADED_BYTES } from "../../src/run/_source.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("LoadBudget", () => {
  it("never holds two batches together when both exceed half the byte budget", async () => {
    const budget = new LoadBudget(MAX_LOADED, MAX_LOADED_BYTES);
    let held = 0;
    let most = 0;
    const big = 235 * 2 ** 20;
    await Promise.all(
      [0, 1, 2].map(() =>
        budget.run(big, async () => {
          held += 1;
          most = Math.max(most, held);
          await tick(5);
          held -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it("holds two small batches together", async () => {
    const budget = new LoadBudget(MAX_LOADED, MAX_LOADED_BYTES);
    let held = 0;
    let most = 0;
    await Promise.all(
      [0, 1, 2, 3].map(() =>
        budget.run(10 * 2 ** 20, async () => {
          held += 1;
          most = Math.max(most, held);
          await tick(5);
          held -= 1;
        }),
      ),
    );
    expect(most).toBe(2);
  });

  it("property: within count and bytes (or alone), every task runs once, in the order asked", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 120 }), ms: fc.nat(3) }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 150 }),
        async (tasks, maxCount, maxBytes) => {
          const budget = new LoadBudget(maxCount, maxBytes);
          let count = 0;
          let bytes = 0;
          const started: number[] = [];
          const results = await Promise.all(
            tasks.map((t, i) =>
              budget.run(t.weight, async () => {
                started.push(i);
                count += 1;
                bytes += t.weight;
                expect(count === 1 || (count <= maxCount && bytes <= maxBytes)).toBe(true);
                await tick(t.ms);
                count -= 1;
                bytes -= t.weight;
                return i;
              }),
            ),
          );
          expect(results).toEqual(tasks.map((_, i) => i));
          expect(started).toEqual(tasks.map((_, i) => i));
        },
      ),
      { numRuns: 60 },
    );
  });
});
