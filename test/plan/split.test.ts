/**
 * `splitBatches`: cutting one wave's ordered requests into batches under `maxRequests` and
 * `maxBytes`. Body bytes are those of `{"requests":[r1,r2,...]}`: 15 fixed bytes
 * (`{"requests":[` is 13, `]}` is 2) plus each request plus one comma between two requests.
 */
import { describe, expect, it } from "vitest";
import { BODY_OVERHEAD_BYTES, type SplitItem, splitBatches } from "../../src/plan/_split.js";

const solo = (bytes: number): SplitItem => ({ bytes, unit: -1 });
const inGroup = (unit: number, bytes: number): SplitItem => ({ bytes, unit });

/** Body bytes of a batch holding requests of these sizes, computed as the API would see them. */
function bodyBytes(sizes: number[]): number {
  const body = JSON.stringify({ requests: sizes.map((n) => "x".repeat(n - 2)) });
  return Buffer.byteLength(body);
}

describe("splitBatches", () => {
  it("counts 15 fixed body bytes", () => {
    expect(BODY_OVERHEAD_BYTES).toBe(15);
    expect(Buffer.byteLength('{"requests":[]}')).toBe(15);
    // A string of 98 x's serialises to 100 bytes; two of them: 15 + 100 + 1 + 100 = 216.
    expect(bodyBytes([100, 100])).toBe(216);
  });

  it("returns no batches for no items", () => {
    expect(splitBatches([], 10, 1024)).toEqual({ batches: [], splitUnits: new Map() });
  });

  it("keeps everything in one batch when it fits", () => {
    // 15 + 100 + 1 + 100 + 1 + 100 = 317 bytes ≤ 1024, 3 requests ≤ 10.
    expect(splitBatches([solo(100), solo(100), solo(100)], 10, 1024).batches).toEqual([[0, 3]]);
  });

  it("fills a batch up to exactly maxBytes, then starts a new one", () => {
    // Two requests: 15 + 100 + 1 + 100 = 216 = maxBytes, fits. A third would make 317.
    const items = [solo(100), solo(100), solo(100)];
    expect(splitBatches(items, 10, 216).batches).toEqual([
      [0, 2],
      [2, 3],
    ]);
    // One byte less: 216 > 215, so each batch holds one request (15 + 100 = 115).
    expect(splitBatches(items, 10, 215).batches).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it("a single request exactly as large as the body allows fits alone", () => {
    // 15 + 201 = 216.
    expect(splitBatches([solo(201), solo(1)], 10, 216).batches).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it("cuts at maxRequests", () => {
    const items = Array.from({ length: 7 }, () => solo(10));
    expect(splitBatches(items, 3, 1_000_000).batches).toEqual([
      [0, 3],
      [3, 6],
      [6, 7],
    ]);
  });

  it("moves a whole group to a new batch rather than splitting it", () => {
    // Batch 1: solo(100) = 115 bytes. Group 0 (2 × 100) would add 1 + 100 + 1 + 100 = 202
    // → 317 > 216, but alone it is 15 + 201 = 216, so it starts the next batch whole.
    const items = [solo(100), inGroup(0, 100), inGroup(0, 100)];
    expect(splitBatches(items, 10, 216)).toEqual({
      batches: [
        [0, 1],
        [1, 3],
      ],
      splitUnits: new Map(),
    });
  });

  it("moves a whole group when maxRequests would cut it", () => {
    const items = [solo(1), solo(1), inGroup(4, 1), inGroup(4, 1), inGroup(4, 1)];
    expect(splitBatches(items, 3, 1_000_000).batches).toEqual([
      [0, 2],
      [2, 5],
    ]);
  });

  it("ungrouped requests next to each other are separate units", () => {
    const items = [solo(1), solo(1), solo(1), solo(1)];
    expect(splitBatches(items, 2, 1_000_000).batches).toEqual([
      [0, 2],
      [2, 4],
    ]);
  });

  it("splits a group larger than a whole batch across consecutive batches and says so", () => {
    // Group 7 of 5 requests, maxRequests 2: [0,2) [2,4) [4,5), 3 batches.
    const items = Array.from({ length: 5 }, () => inGroup(7, 10));
    expect(splitBatches(items, 2, 1_000_000)).toEqual({
      batches: [
        [0, 2],
        [2, 4],
        [4, 5],
      ],
      splitUnits: new Map([[7, 3]]),
    });
  });

  it("a split group first fills the batch that is already open", () => {
    // solo(50) opens a batch: 15 + 50 = 65. Group 1 is 3 × 100 = 302 bytes with commas,
    // 15 + 302 = 317 > 216, so it is split. Its first request joins the open batch:
    // 65 + 1 + 100 = 166 ≤ 216; the next would make 267, so a new batch: 115, then 216; the
    // last starts a third batch. The group spans 2 batches.
    const items = [solo(50), inGroup(1, 100), inGroup(1, 100), inGroup(1, 100)];
    expect(splitBatches(items, 10, 216)).toEqual({
      batches: [
        [0, 2],
        [2, 4],
      ],
      splitUnits: new Map([[1, 2]]),
    });
  });

  it("counts the batches of a split group that starts in a fresh batch", () => {
    // solo(200) opens a batch of 215 bytes; the group's first request (100) does not fit
    // (215 + 1 + 100 = 316 > 216), so the open batch closes and the group starts a new one:
    // [100, 100] = 216, then [100]. The group spans 2 batches, not 3.
    const items = [solo(200), inGroup(0, 100), inGroup(0, 100), inGroup(0, 100)];
    expect(splitBatches(items, 10, 216)).toEqual({
      batches: [
        [0, 1],
        [1, 3],
        [3, 4],
      ],
      splitUnits: new Map([[0, 2]]),
    });
  });

  it("the next unit continues in the last batch of a split group", () => {
    // Group 0: 3 × 10 with maxRequests 2 → [0,2) and [2,3); the solo request joins the second.
    const items = [inGroup(0, 10), inGroup(0, 10), inGroup(0, 10), solo(10)];
    expect(splitBatches(items, 2, 1_000_000).batches).toEqual([
      [0, 2],
      [2, 4],
    ]);
  });

  it("every batch respects both limits and the batches cover the items in order", () => {
    const sizes = [30, 70, 5, 120, 40, 40, 40, 90, 10, 10, 200, 3];
    const units = [-1, 0, 0, 0, -1, 1, 1, -1, 2, 2, -1, -1];
    const items = sizes.map((bytes, i) => ({ bytes, unit: units[i]! }));
    const { batches } = splitBatches(items, 3, 250);
    let next = 0;
    for (const [start, end] of batches) {
      expect(start).toBe(next);
      expect(end - start).toBeGreaterThan(0);
      expect(end - start).toBeLessThanOrEqual(3);
      expect(bodyBytes(sizes.slice(start, end))).toBeLessThanOrEqual(250);
      next = end;
    }
    expect(next).toBe(items.length);
  });
});
