import { describe, expect, it } from "vitest";
import { CacheState } from "../../src/exports/sim.js";
import { request, text } from "../helpers/requests.js";
import { words } from "../helpers/word-counter.js";
import { prepare, run, usage } from "./_helpers.js";

// Reference §3 "Mixing TTLs": A = tokens at the highest cache hit (0 if none); B = the highest 1h
// cache_control block after A (or A); C = the last cache_control block. Pay a read on A, a 1h
// write on B − A and a 5m write on C − B. Fact 17: `input_tokens` is only what follows the last
// breakpoint; the three fields sum to the prompt's tokens.

/** system S1 (2,000, 1h) · S2 (500, 1h) · user U1 (300, 5m) · U2 (50): 2,850 tokens. */
const mixed = (id: string) =>
  request(id, {
    system: [text(words("s1", 2000), "1h"), text(words("s2", 500), "1h")],
    messages: [
      { role: "user", content: [text(words("u1", 300), "5m"), text(words(`${id}-u2`, 50))] },
    ],
  });

describe("billing with mixed TTLs (§3)", () => {
  it("cold: A = 0, B = 2,500, C = 2,800 → 1h write 2,500, 5m write 300, input 50", () => {
    expect(run(new CacheState(), mixed("a"), 0)).toEqual(usage(50, 0, 300, 2500));
  });

  it("after S1 alone was cached: A = 2,000 → read 2,000, 1h write 500, 5m write 300", () => {
    const cache = new CacheState();
    // An earlier request with the same S1, marked 1h, and a different S2.
    const s1Only = request("s1", {
      system: [text(words("s1", 2000), "1h"), text(words("other", 70))],
      user: words("x", 5),
    });
    expect(run(cache, s1Only, 0)).toEqual(usage(75, 0, 0, 2000));
    expect(run(cache, mixed("b"), 10_000)).toEqual(usage(50, 2000, 300, 500));
  });

  it("after the whole prefix was cached: A = C = 2,800 → read 2,800, input 50", () => {
    const cache = new CacheState();
    run(cache, mixed("a"), 0);
    expect(run(cache, mixed("b"), 10_000)).toEqual(usage(50, 2800, 0, 0));
  });

  it("writes an entry at every cacheable breakpoint beyond the hit, each with its TTL", () => {
    const cache = new CacheState();
    const lookup = cache.lookup(prepare(cache, mixed("a")), 0, "batch");
    expect(lookup.writes.map((w) => [w.label, w.tokens, w.ttl])).toEqual([
      ["system[0]", 2000, "1h"],
      ["system[1]", 2500, "1h"],
      ["messages[0].content[0]", 2800, "5m"],
    ]);
  });

  it("leaves a breakpoint below the minimum out of A, B and C (fact 4)", () => {
    // S1 (1,000 < 1,024, 1h) is not cacheable; U1 (1,800, 5m) is: B = A = 0, C = 1,800.
    const req = request("low", {
      system: [text(words("s1", 1000), "1h")],
      messages: [{ role: "user", content: [text(words("u1", 800), "5m"), text(words("u2", 20))] }],
    });
    expect(run(new CacheState(), req, 0)).toEqual(usage(20, 0, 1800, 0));
  });

  it("with no breakpoint, everything is `input_tokens`", () => {
    const plain = request("p", { system: words("s", 2000), user: words("u", 10) });
    expect(run(new CacheState(), plain, 0)).toEqual(usage(2010, 0, 0, 0));
  });

  it("the top-level marker caches up to the last cacheable block (§1.4): input 0", () => {
    const auto = request("auto", {
      system: words("s", 2000),
      user: words("u", 10),
      extra: { cache_control: { type: "ephemeral" } },
    });
    expect(run(new CacheState(), auto, 0)).toEqual(usage(0, 0, 2010, 0));
  });

  it("the top-level marker skips a last block that cannot be cached (§1.4)", () => {
    const auto = request("auto", {
      system: words("s", 2000),
      messages: [{ role: "user", content: [text(words("u", 10)), { type: "text", text: "" }] }],
      extra: { cache_control: { type: "ephemeral", ttl: "1h" } },
    });
    // The empty text block (0 tokens) cannot be cached; the marker lands on content[0].
    expect(run(new CacheState(), auto, 0)).toEqual(usage(0, 0, 0, 2010));
  });

  it("with the same TTL explicit on the last block, the top-level marker is a no-op", () => {
    const both = request("both", {
      system: words("s", 2000),
      messages: [{ role: "user", content: [text(words("u", 10), "5m")] }],
      extra: { cache_control: { type: "ephemeral" } },
    });
    const cache = new CacheState();
    expect(prepare(cache, both).breakpoints).toHaveLength(1);
    expect(run(cache, both, 0)).toEqual(usage(0, 0, 2010, 0));
  });
});
