/**
 * The cache model reads a breakpoint inside a tool_result's content (issue 13): such a block can
 * carry `cache_control` (SDK 1.12.0 `ToolResultBlockParam.content`, reference §1.5), its marker
 * caches the prefix up to and including it (reference §1.1) and counts toward the 4 (fact 2).
 * Tokens: one per word of a text block, 10 for a block without text (test/sim/_helpers.ts).
 */
import { describe, expect, it } from "vitest";
import { CacheState } from "../../src/exports/sim.js";
import type { BatchRequest } from "../../src/index.js";
import { cacheControlOf, request, text } from "../helpers/requests.js";
import { words } from "../helpers/word-counter.js";
import { prepare, run, usage } from "./_helpers.js";

const DOC = words("doc", 1500);

/**
 * user "look it up" (3) · assistant tool_use (10) · user [tool_result [DOC (1,500), marked], its own
 * 10, then the question (2)]. The nested marker's prefix: 3 + 10 + 1,500 = 1,513 tokens.
 */
function withDoc(id: string, question: string, extra: Record<string, unknown> = {}): BatchRequest {
  return request(id, {
    messages: [
      { role: "user", content: "look it up" },
      { role: "assistant", content: [{ type: "tool_use", id: "u1", name: "read", input: {} }] },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "u1", content: [text(DOC, "5m")], ...extra },
          text(question),
        ],
      },
    ],
  });
}

describe("a breakpoint inside a tool_result", () => {
  it("is resolved at the nested block, with its prefix's tokens", () => {
    const prepared = prepare(new CacheState(), withDoc("a", "question one"));
    expect(prepared.breakpoints).toMatchObject([
      { label: "messages[2].content[0].content[0]", tokens: 1513, cacheable: true },
    ]);
  });

  it("a second request with the same prefix reads what the first wrote", () => {
    const cache = new CacheState();
    expect(run(cache, withDoc("a", "question one"), 0)).toEqual(usage(12, 0, 1513, 0));
    expect(run(cache, withDoc("b", "question two"), 5_000)).toEqual(usage(12, 1513, 0, 0));
  });

  it("the tool_result's own fields are part of the prefix: another is_error misses", () => {
    const cache = new CacheState();
    run(cache, withDoc("a", "question one"), 0);
    expect(run(cache, withDoc("b", "question two", { is_error: true }), 5_000)).toEqual(
      usage(12, 0, 1513, 0),
    );
  });

  it("counts toward the 4: a 5th marker anywhere is the API's 400", () => {
    const five = withDoc("a", "q");
    Object.assign(five.params, {
      system: [text("s1", "5m"), text("s2", "5m"), text("s3", "5m")],
      cache_control: cacheControlOf("5m"),
    });
    const prep = new CacheState().prepare(five, () => 1);
    expect(prep.ok).toBe(false);
    expect(!prep.ok && prep.error.message).toMatch(/maximum of 4 blocks/);
  });
});
