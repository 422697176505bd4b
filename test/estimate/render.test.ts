import { describe, expect, it } from "vitest";
import { type BatchRequest, estimate, plan, renderEstimate } from "../../src/index.js";
import { sampleRequests } from "../../src/sample.js";
import { createWordCounter } from "../helpers/word-counter.js";

const text = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${tag}${i % 7}`).join(" ");

describe("renderEstimate", () => {
  it("renders the primed-group example (figures checked in estimate.test.ts)", async () => {
    const system = text("sys", 2000);
    const requests: BatchRequest[] = Array.from({ length: 10 }, (_, i) => ({
      custom_id: `r${i}`,
      params: {
        model: "claude-sonnet-4-5",
        max_tokens: 100,
        system,
        messages: [{ role: "user", content: text(`u${i}x`, 10) }],
      },
    }));
    const counter = createWordCounter();
    const result = await estimate(await plan(requests, { counter }), {
      counter,
      count: "full",
      outputTokens: 50,
    });
    expect(renderEstimate(result)).toMatchInlineSnapshot(`
      "Cost estimate: 10 requests, 1 model, 1 cached group
        tokens  words, an estimate; every request counted
        output  50 per request: 500 tokens (range 0 to 1,000)
        planned simulated, concurrency 64; at 16 to 256: 0.01260 .. 0.01260 USD

        scenario          USD vs standard  vs batch  USD, output 0 .. max
        standard      0.06780           —         —  0.06030 .. 0.07530
        batch         0.03390      -50.0%         —  0.03015 .. 0.03765
        ideal         0.01260      -81.4%    -62.8%  0.00885 .. 0.01635
        planned       0.01260      -81.4%    -62.8%  0.00885 .. 0.01635
        worst         0.06390       -5.8%    +88.5%  0.06015 .. 0.06765

        tokens            input    write 5m    write 1h          read      output
        standard         20,100           0           0             0         500
        batch            20,100           0           0             0         500
        ideal               100           0       2,000        18,000         500
        planned             100           0       2,000        18,000         500
        worst               100           0      20,000             0         500

        model                      requests      batch    planned  vs batch
        claude-sonnet-4-5                10    0.03390    0.01260    -62.8%

        group (1 of 1)             requests      batch    planned  vs batch break-even
        g1 claude-sonnet-4-5             10    0.03390    0.01260    -62.8%   59% hits

      Notes
        - Token counts are estimates by \`words\`.
        - Output is an assumption: 50 output tokens per request (capped at its
          max_tokens), 500 tokens in all; the USD range runs from no output to every
          request using its max_tokens (1,000 tokens).
        - \`planned\` is a simulated run of the plan on the cache and batch model
          (\`simulate()\`, concurrency 64, seed 1): each request pays for the entries it
          wrote and read there, at this estimate's token counts. At concurrency 16 to
          256 it costs the same ($0.0126). \`ideal\` writes each entry once, \`worst\`
          writes in every request. Cache hits inside batches are best-effort: the
          Message Batches documentation says 30% to 98%, depending on traffic
          (https://platform.claude.com/docs/en/build-with-claude/batch-processing).
        - g1 (10 requests, claude-sonnet-4-5): planned saves $0.0213 against batch,
          and still beats it if at least 59% of its expected reads hit.

      Planned saves $0.0213 against the batch without caching and saves $0.0552
      against the Messages API.
      "
    `);
  });

  it("says how planned was made: simulated with its range, without it, or expected", async () => {
    const planned = await plan(sampleRequests(), { strategy: "cold" });
    const line = async (options: Parameters<typeof estimate>[1]) =>
      renderEstimate(await estimate(planned, options))
        .split("\n")
        .find((l) => l.startsWith("  planned "));
    expect(await line({})).toMatch(
      /^ {2}planned simulated, concurrency 64; at 16 to 256: \d\.\d{3} \.\. \d\.\d{3} USD$/,
    );
    expect(await line({ sensitivity: false })).toBe(
      "  planned simulated, concurrency 64; no sensitivity runs",
    );
    expect(await line({ plannedModel: "expected" })).toBe(
      "  planned the plan's expected writes and reads (concurrency 64)",
    );
  });

  it("fits 80 columns, with a sampled job too", async () => {
    const result = await estimate(await plan(sampleRequests()), { sampleSize: 40 });
    const out = renderEstimate(result);
    expect(out).toMatch(/± 95%/);
    for (const line of out.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
  });
});
