import { describe, expect, it } from "vitest";
import { createTiktokenCounter } from "../../src/exports/tokens.js";
import { defaultModelTable, plan } from "../../src/index.js";
import { rowOf, unknownModelMessage } from "../../src/pricing/unknown-model.js";

// One policy for a model the table does not know (issue 10 item 4): conservative cache facts
// (largest documented minimum 4,096, reference §2 fact 4; newer tokenizer, fact 5), no price.
describe("the unknown-model policy", () => {
  it("a known model gets its row; an unknown one the stand-in, unpriced", () => {
    expect(rowOf(defaultModelTable, "claude-sonnet-4-5")).toEqual({
      info: defaultModelTable.get("claude-sonnet-4-5"),
      known: true,
    });
    const { info, known } = rowOf(defaultModelTable, "my-proxy-model");
    expect(known).toBe(false);
    expect(info).toMatchObject({
      id: "my-proxy-model",
      minCacheableTokens: 4096,
      minCacheableKnown: false,
      tokenizer: "claude-2026",
      readMultiplier: 0.1,
      inputPerMTok: 0,
      outputPerMTok: 0,
      priceConfidence: "unknown",
    });
  });

  it("the planner warns with the policy's minimum", async () => {
    const request = {
      custom_id: "a",
      params: {
        model: "my-proxy-model",
        max_tokens: 5,
        messages: [{ role: "user", content: "hi" }],
      },
    };
    const p = await plan([request]);
    expect(p.warnings).toContainEqual({
      kind: "unknown-model",
      model: "my-proxy-model",
      requests: 1,
      minimumUsed: 4096,
    });
  });

  it("the offline counter counts an unknown model with the newer tokenizer", async () => {
    const counter = createTiktokenCounter();
    const block = { type: "text", text: "The same words in both requests, counted twice." };
    const [newer, unknown] = await counter.countSegments([
      { model: "claude-opus-4-7", hash: "h1", block },
      { model: "my-proxy-model", hash: "h2", block },
    ]);
    expect(unknown).toBe(newer);
  });

  it("the message names each model, its requests, that USD is left out, and the fix", () => {
    const text = unknownModelMessage(
      new Map([
        ["m1", 1],
        ["m2", 3],
      ]),
    );
    expect(text).toMatch(/`m1` \(1 request\), `m2` \(3 requests\)/);
    expect(text).toMatch(/left out of every total/);
    expect(text).toMatch(/--models file\.json/);
  });
});
