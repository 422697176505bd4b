/**
 * The analysis on hand-made usage: what it concludes at the edges the emulator runs rarely reach
 * (nothing cached at all, a late resume, a cold batch that read everything).
 */
import { describe, expect, it } from "vitest";
import { type AnalysisInput, analyze, type Touch } from "../../src/probe/_analyze.js";

const K = 4;
function input(touch: (id: string) => Touch, extra: Partial<AnalysisInput> = {}): AnalysisInput {
  const batch = new Map<string, Touch>();
  for (const [step, role] of [
    ["a", "cold"],
    ["b", "reader"],
    ["c", "reader"],
  ] as const) {
    for (let i = 0; i < K; i++) batch.set(`${step}-${role}-${i}`, touch(`${step}-${role}-${i}`));
  }
  batch.set("b-primer", touch("b-primer"));
  const write = {
    sentAt: 0,
    doneAt: 1,
    scale: 1,
    usage: { cache_creation_input_tokens: 1100, cache_read_input_tokens: 0 },
  };
  return {
    k: K,
    model: "claude-haiku-4-5",
    minimum: 4096,
    prefixTokens: 4300,
    long: { visibility: false, ttls: [] },
    batch,
    batchesDone: true,
    calls: { "c-write": write },
    syncGapMs: 2_000,
    concurrency: 64,
    ...extra,
  };
}
const byId = (result: ReturnType<typeof analyze>, id: string) =>
  result.measurements.find((m) => m.id === id)!;

describe("analyze", () => {
  it("says plainly when nothing was cached: the documented minimum is wrong for this model", () => {
    const result = analyze({
      ...input(() => ({ read: 0, written: 0 })),
      calls: {
        "c-write": { sentAt: 0, doneAt: 1, scale: 1, usage: { cache_creation_input_tokens: 0 } },
      },
    });
    const m = byId(result, "cacheable");
    expect(m.verdict).toBe("contradicts");
    expect(m.says).toMatch(/below this model's minimum, so the documented 4096 is wrong for it/);
  });

  it("does not read a synchronous write's readers created an hour or more after the write", () => {
    const result = analyze(input(() => ({ read: 0, written: 4300 }), { syncGapMs: 3_700_000 }));
    const m = byId(result, "sync-to-batch");
    expect(m.verdict).toBe("not-measured");
    expect(m.says).toMatch(/more than an hour after the 1h write/);
    expect(result.params.syncToBatchVisibility).toBeUndefined();
  });

  it("cannot tell a reader of the synchronous write when the cold batch read everything", () => {
    const result = analyze(
      input((id) => (id === "a-cold-0" ? { read: 0, written: 4300 } : { read: 4300, written: 0 })),
    );
    // 3 of 4 cold requests read: the sync readers' 4 of 4 are net 100% of the rest.
    expect(byId(result, "cold-hit-rate").rate).toMatchObject({ hits: 3, n: 4 });
    expect(result.params.concurrency).toBe(1);
    const all = analyze(input(() => ({ read: 4300, written: 0 })));
    expect(byId(all, "sync-to-batch").says).toMatch(/cannot be told from a reader of a sibling's/);
  });

  it("a primer read by every reader writes nothing; one miss contradicts 100% and is written", () => {
    const every = analyze(
      input((id) =>
        id.startsWith("b-reader") ? { read: 4300, written: 0 } : { read: 0, written: 4300 },
      ),
    );
    expect(byId(every, "primer-hit-rate").verdict).toBe("consistent");
    expect(every.params.batchReadRate).toBeUndefined();
    const one = analyze(
      input((id) =>
        id.startsWith("b-reader") && id !== "b-reader-0"
          ? { read: 4300, written: 0 }
          : { read: 0, written: 4300 },
      ),
    );
    expect(byId(one, "primer-hit-rate").verdict).toBe("contradicts");
    expect(one.params.batchReadRate).toBe(0.75);
  });
});
