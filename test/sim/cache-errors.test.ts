import { describe, expect, it } from "vitest";
import { CacheState } from "../../src/exports/sim.js";
import { request, text } from "../helpers/requests.js";
import { words } from "../helpers/word-counter.js";
import { run, usage, wordTokens } from "./_helpers.js";

// Requests the API rejects with a 400 `invalid_request_error`.

function errorOf(req: ReturnType<typeof request>, options = {}) {
  const prep = new CacheState().prepare(req, wordTokens, options);
  if (prep.ok) throw new Error("expected a 400");
  return prep.error;
}

describe("more than 4 markers (fact 2, §1.2)", () => {
  const blocks = (n: number) =>
    Array.from({ length: n }, (_, i) => text(words(`s${i}`, 300), "5m"));

  it("4 explicit markers are fine", () => {
    expect(new CacheState().prepare(request("ok", { system: blocks(4) }), wordTokens).ok).toBe(
      true,
    );
  });

  it("a 5th explicit marker errors with the API's message", () => {
    expect(errorOf(request("five", { system: blocks(5) }))).toEqual({
      type: "invalid_request_error",
      message: "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    });
  });

  it("the top-level marker uses one of the 4 slots", () => {
    const req = request("top", {
      system: blocks(4),
      extra: { cache_control: { type: "ephemeral" } },
    });
    expect(errorOf(req).message).toBe(
      "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    );
  });
});

describe("top-level marker and an explicit one of a different TTL on the last block (§1.4)", () => {
  it("errors", () => {
    const req = request("clash", {
      system: words("s", 2000),
      messages: [{ role: "user", content: [text(words("u", 10), "5m")] }],
      extra: { cache_control: { type: "ephemeral", ttl: "1h" } },
    });
    const error = errorOf(req);
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toContain("top-level `cache_control`");
  });
});

describe("a 1h marker after a 5m marker (fact 6: outcome undocumented)", () => {
  /** system S1 (2,000, 5m) · user U1 (800, 1h) · U2 (20): 2,820 tokens. */
  const misordered = request("mis", {
    system: [text(words("s1", 2000), "5m")],
    messages: [{ role: "user", content: [text(words("u1", 800), "1h"), text(words("u2", 20))] }],
  });

  it("errors by default (the conservative choice)", () => {
    const error = errorOf(misordered);
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toContain("1h breakpoints must come before 5m breakpoints");
  });

  it('with `ttlOrderViolation: "as-written"`, bills by the §3 formula', () => {
    const cache = new CacheState();
    const prep = cache.prepare(misordered, wordTokens, { ttlOrderViolation: "as-written" });
    if (!prep.ok) throw new Error(prep.error.message);
    const lookup = cache.lookup(prep.request, 0, "batch");
    // A = 0, B = 2,800 (the last 1h block), C = 2,800: 1h write 2,800, 5m write 0.
    expect(lookup.usage).toEqual(usage(20, 0, 0, 2800));
    expect(lookup.writes.map((w) => [w.label, w.ttl])).toEqual([
      ["system[0]", "5m"],
      ["messages[0].content[0]", "1h"],
    ]);
  });

  it("a top-level 1h marker after an explicit 5m one is misordered too", () => {
    const req = request("top1h", {
      system: [text(words("s1", 1000), "5m")],
      user: words("u", 10),
      extra: { cache_control: { type: "ephemeral", ttl: "1h" } },
    });
    expect(errorOf(req).message).toContain("(the top-level marker)");
  });

  it("1h before 5m is fine", () => {
    const ok = request("ok", {
      system: [text(words("s1", 2000), "1h")],
      messages: [{ role: "user", content: [text(words("u1", 800), "5m"), text(words("u2", 20))] }],
    });
    expect(run(new CacheState(), ok, 0)).toEqual(usage(20, 0, 800, 2000));
  });
});

describe("a marker on a block that cannot be cached (§1.5)", () => {
  it("errors on an empty text block", () => {
    const req = request("empty", {
      messages: [{ role: "user", content: [text(words("u", 5)), text("", "5m")] }],
    });
    expect(errorOf(req).message).toContain("`messages[0].content[1]`");
  });
});
