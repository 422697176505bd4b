import { describe, expect, it } from "vitest";
import { OptionsError, prepareTokens, simulate } from "../../src/index.js";
import { ContextInterner, segmentRequest } from "../../src/request/segments.js";
import { request, text } from "../helpers/requests.js";
import { createWordCounter, words } from "../helpers/word-counter.js";
import { wordTokens } from "./_helpers.js";

const SYSTEM = words("sys", 1500);
const job = {
  prewarm: [
    {
      model: "claude-sonnet-4-5",
      max_tokens: 0,
      system: [{ type: "text" as const, text: words("warm", 1200) }],
      messages: [{ role: "user" as const, content: "warmup" }],
    },
  ],
  batches: [
    {
      wave: 0,
      requests: ["a", "b", "c"].map((id) =>
        request(id, { system: [text(SYSTEM, "5m")], user: words(id, 10) }),
      ),
    },
    { wave: 1, requests: [request("d", { system: [text(SYSTEM, "5m")], user: words("d", 3) })] },
  ],
};

describe("prepareTokens()", () => {
  it("counts each distinct segment once, in one call, prewarm included", async () => {
    const counter = createWordCounter();
    await prepareTokens(job, counter);
    expect(counter.calls).toHaveLength(1);
    // SYSTEM once; four distinct user turns; the prewarm's system and user turn.
    expect(counter.calls[0]).toHaveLength(7);
    expect([...counter.asked.values()].every((n) => n === 1)).toBe(true);
  });

  it("gives the counter's figures, so simulate() matches a direct token function", async () => {
    const tokensOf = await prepareTokens(job, createWordCounter());
    const viaCounter = simulate(job, { tokensOf });
    const direct = simulate(job, { tokensOf: wordTokens });
    expect(viaCounter).toEqual(direct);
    expect(viaCounter.totals.promptTokens).toBe(3 * 1510 + 1503);
  });

  it("throws an OptionsError for a segment it was not prepared with", async () => {
    const tokensOf = await prepareTokens(job, createWordCounter());
    const other = segmentRequest(request("x", { user: "something else" }), new ContextInterner());
    expect(() => tokensOf(other.segments[0]!, "claude-sonnet-4-5")).toThrow(OptionsError);
    expect(() => tokensOf(other.segments[0]!, "claude-sonnet-4-5")).toThrow(/prepareTokens/);
  });
});

describe("resolveSimParams()", () => {
  it("rejects a bad parameter with a message naming it", () => {
    expect(() => simulate(job, { tokensOf: wordTokens, concurrency: 0 })).toThrow(
      /`concurrency` must be an integer ≥ 1/,
    );
    expect(() => simulate(job, { tokensOf: wordTokens, errorRate: 2 })).toThrow(
      /`errorRate` must be a probability/,
    );
  });
});
