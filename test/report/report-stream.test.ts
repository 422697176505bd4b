/**
 * `report()` streams: a 100,000-line results input is read one line at a time and never held.
 * Each line below carries 4 KB of response text, so holding the lines would take over 400 MB;
 * the heap is sampled while the lines are pulled and must stay far below that.
 */
import { describe, expect, it } from "vitest";
import { report } from "../../src/index.js";

const LINES = 100_000;
const PAD = "x".repeat(4096);

describe("a 100,000-line results input", () => {
  it("is reported line by line in bounded memory", { timeout: 120_000 }, async () => {
    let peak = 0;
    const start = process.memoryUsage().heapUsed;
    async function* lines() {
      for (let i = 0; i < LINES; i++) {
        if (i % 5000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - start);
        // A JSON line, as read from a file: parsing it makes a fresh 4 KB string every time.
        yield `{"custom_id":"r-${i}","result":{"type":"succeeded","message":{"model":"claude-haiku-5-5","content":[{"type":"text","text":"${PAD}${i}"}],"usage":{"input_tokens":10,"cache_read_input_tokens":90,"cache_creation_input_tokens":0,"output_tokens":2,"service_tier":"batch"}}}}`;
      }
    }
    const r = await report(lines());
    expect(r.lines).toBe(LINES);
    expect(r.overall.requests.succeeded).toBe(LINES);
    expect(r.overall.tokens).toEqual({
      input: 10 * LINES,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      cacheRead: 90 * LINES,
      output: 2 * LINES,
    });
    // Haiku 5.5 (reference §7, H55): $0.10 in, read 0.1× ($0.01), $0.50 out; batch 0.5×:
    // per line 10 × $0.05/M + 90 × $0.005/M + 2 × $0.25/M = $0.00000145.
    expect(r.overall.usd).toBeCloseTo(0.00000145 * LINES, 9);
    // The custom_ids seen (a few MB) are all it keeps; 100,000 lines of 4 KB would be 400 MB.
    expect(peak).toBeLessThan(200 * 1024 * 1024);
  });
});
