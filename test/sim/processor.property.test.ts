/**
 * The one processing loop (src/sim/_processor.ts) that `simulate()` runs to the end and the
 * emulator advances with its clock: advancing it in any steps handles the same requests at the
 * same times as running it at once, and its rules hold (concurrency, cutoff, submission order).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/sample.js";
import { type BatchHandler, BatchProcessor, type Processing } from "../../src/sim/_processor.js";

const PARAMS = {
  concurrency: 3,
  orderJitter: 2,
  startDelayMs: 100,
  startDelayJitterMs: 50,
  startJitterMs: 10,
  batchExpiryMs: 5_000,
};

interface Batch extends Processing {
  name: number;
}

type Trace = Array<[batch: number, index: number, what: string, at: number]>;

/** Runs batches of `sizes` (created at `createdAt`, canceled at `cancelAt`) through a processor. */
function run(
  spec: { sizes: number[]; createdAt: number[]; cancelAt: number; durations: number[] },
  steps: number[] | "to-end",
) {
  const trace: Trace = [];
  // Ends of the requests started so far; those ended by a start are no longer in flight.
  let ends: number[] = [];
  let maxInFlight = 0;
  const handler: BatchHandler<Batch> = {
    execute(batch, index, start) {
      trace.push([batch.name, index, "run", start]);
      ends = ends.filter((end) => end > start);
      maxInFlight = Math.max(maxInFlight, ends.length + 1);
      const end = start + spec.durations[index % spec.durations.length]!;
      ends.push(end);
      return end;
    },
    skip(batch, index, outcome) {
      trace.push([batch.name, index, outcome, Number.NaN]);
    },
  };
  const processor = new BatchProcessor<Batch>(PARAMS, seededRandom(5), handler);
  const order = spec.createdAt.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i);
  const batches: Batch[] = [];
  let now = 0;
  for (const { t, i } of order) {
    // The emulator's clock moves in steps; every batch is created at its own time either way.
    for (let k = 0; steps !== "to-end" && now < t; k++) {
      now = Math.min(t, now + steps[k % steps.length]!);
      processor.advanceTo(now);
    }
    processor.advanceTo(t);
    const batch = { ...processor.open(t, spec.sizes[i]!, spec.cancelAt), name: i };
    processor.start(batch);
    batches.push(batch);
  }
  for (let k = 0; steps !== "to-end" && k < 1_000; k++) {
    now += steps[k % steps.length]!;
    processor.advanceTo(now);
  }
  processor.runToEnd();
  const ended = batches.map((b) => BatchProcessor.endedAt(b));
  return { trace, ended, maxInFlight };
}

const spec = fc.record({
  sizes: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }),
  createdAt: fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 4, maxLength: 4 }),
  cancelAt: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 0, max: 8_000 })),
  durations: fc.array(fc.integer({ min: 1, max: 2_000 }), { minLength: 1, maxLength: 5 }),
});

describe("BatchProcessor", () => {
  it("advancing in steps (the emulator) handles the same requests at the same times as running to the end (simulate())", () => {
    fc.assert(
      fc.property(
        spec,
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 5 }),
        (s, steps) => {
          const batches = { ...s, createdAt: s.createdAt.slice(0, s.sizes.length) };
          expect(run(batches, steps)).toEqual(run(batches, "to-end"));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("decides every request once; never more than `concurrency` at a time; none starts at or after the cutoff", () => {
    fc.assert(
      fc.property(spec, (s) => {
        const one = { ...s, sizes: s.sizes.slice(0, 1), createdAt: s.createdAt.slice(0, 1) };
        const { trace, ended, maxInFlight } = run(one, "to-end");
        const size = one.sizes[0]!;
        expect(trace.map(([, index]) => index).sort((a, b) => a - b)).toEqual(
          Array.from({ length: size }, (_, i) => i),
        );
        expect(maxInFlight).toBeLessThanOrEqual(PARAMS.concurrency);
        const cutoff = Math.min(one.createdAt[0]! + PARAMS.batchExpiryMs, one.cancelAt);
        for (const [, , what, at] of trace) if (what === "run") expect(at).toBeLessThan(cutoff);
        const skipped = trace.filter(([, , what]) => what !== "run");
        const outcome =
          one.cancelAt <= one.createdAt[0]! + PARAMS.batchExpiryMs ? "canceled" : "expired";
        for (const [, , what] of skipped) expect(what).toBe(outcome);
        expect(ended[0]).not.toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it("starts requests roughly in submission order: a request never starts before one `orderJitter` or more places ahead of it", () => {
    const { trace } = run(
      {
        sizes: [40],
        createdAt: [0],
        cancelAt: Number.POSITIVE_INFINITY,
        durations: [300, 50, 900],
      },
      "to-end",
    );
    const started = trace.map(([, index]) => index);
    started.forEach((index, position) => {
      for (const later of started.slice(position + 1)) {
        expect(later, `${later} after ${index}`).toBeGreaterThan(index - PARAMS.orderJitter);
      }
    });
  });
});
