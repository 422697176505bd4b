import { describe, expect, it } from "vitest";
import { CacheState } from "../../src/exports/sim.js";
import { CONSERVATIVE_MIN_CACHEABLE_TOKENS } from "../../src/targets/anthropic/index.js";
import { request, text } from "../helpers/requests.js";
import { words } from "../helpers/word-counter.js";
import { prepare, run, usage } from "./_helpers.js";

// Reference fact 4 / §2: "Shorter prompts cannot be cached, even if marked with cache_control
// ... no error is returned". claude-sonnet-4-5: 1,024 tokens (PC-zh).

function marked(id: string, systemTokens: number, model = "claude-sonnet-4-5") {
  return request(id, {
    model,
    system: [text(words("sys", systemTokens), "5m")],
    user: words(id, 10),
  });
}

describe("minimum cacheable tokens (fact 4)", () => {
  it("caches a prefix of exactly the minimum (1,024 on Sonnet 4.5)", () => {
    const cache = new CacheState();
    // Cold: write 1,024 (5m), 10 after the breakpoint.
    expect(run(cache, marked("a", 1024), 0)).toEqual(usage(10, 0, 1024, 0));
    // A later request reads it.
    expect(run(cache, marked("b", 1024), 10_000)).toEqual(usage(10, 1024, 0, 0));
  });

  it("caches nothing one token below it, and reports both cache fields 0 (fact 17)", () => {
    const cache = new CacheState();
    // 1,023 + 10 = 1,033 tokens, all `input_tokens`.
    expect(run(cache, marked("a", 1023), 0)).toEqual(usage(1033, 0, 0, 0));
    expect(run(cache, marked("b", 1023), 10_000)).toEqual(usage(1033, 0, 0, 0));
    expect(cache.size).toBe(0);
  });

  it("counts the whole prefix up to the breakpoint, not the marked block alone", () => {
    const cache = new CacheState();
    // Tool (description of 24 words) + system of 1,000: the prefix at system[0] is 1,024.
    const req = request("t", {
      tools: [{ name: "f", description: words("tool", 24), input_schema: { type: "object" } }],
      system: [text(words("sys", 1000), "5m")],
      user: words("u", 3),
    });
    expect(run(cache, req, 0)).toEqual(usage(3, 0, 1024, 0));
  });

  it("marks the breakpoint below the minimum as not cacheable", () => {
    const cache = new CacheState();
    const prepared = prepare(cache, marked("a", 1023));
    expect(prepared.minimum).toBe(1024);
    expect(prepared.breakpoints.map((b) => [b.label, b.tokens, b.cacheable])).toEqual([
      ["system[0]", 1023, false],
    ]);
  });

  it("uses the model's own minimum (Haiku 4.5: 4,096)", () => {
    const cache = new CacheState();
    expect(run(cache, marked("a", 4095, "claude-haiku-4-5"), 0)).toEqual(usage(4105, 0, 0, 0));
    expect(run(cache, marked("b", 4096, "claude-haiku-4-5"), 0)).toEqual(usage(10, 0, 4096, 0));
  });

  it("uses the conservative 4,096 for a model the table does not know", () => {
    const cache = new CacheState();
    expect(CONSERVATIVE_MIN_CACHEABLE_TOKENS).toBe(4096);
    expect(prepare(cache, marked("a", 2000, "claude-unknown-9")).minimum).toBe(4096);
  });
});
