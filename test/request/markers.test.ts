/**
 * `applyMarkers` and `cacheControl`: markers are written in the API's wire form
 * (`{"type":"ephemeral"}` for the 5m default, `{"type":"ephemeral","ttl":"1h"}` for 1h; reference
 * §3, SDK-M 2132-2147), input requests are never mutated, and nothing but `cache_control` changes
 * (a string shorthand becomes one text block only when it gets a marker).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyMarkers, cacheControl, type MarkerPlacement } from "../../src/exports/request.js";
import type { BatchRequest } from "../../src/index.js";
import { removeMarkers } from "../../src/request/markers.js";
import { ContextInterner, segmentRequest } from "../../src/request/segments.js";
import { deepFreeze, normalised, request, text, tool } from "../helpers/requests.js";

const params = (req: BatchRequest) => req.params as unknown as Record<string, unknown>;

/** A request with every kind of location, frozen so that any mutation throws. */
function frozenRequest(): BatchRequest {
  return deepFreeze(
    request("a", {
      tools: [tool("t0", "first"), tool("t1", "second")],
      system: "rules",
      messages: [
        { role: "user", content: "question" },
        { role: "assistant", content: [text("a0"), text("a1", "5m")] },
      ],
      extra: { cache_control: { type: "ephemeral" } },
    }),
  );
}

describe("cacheControl", () => {
  it("writes 5m as the API default, without ttl, and 1h with ttl", () => {
    expect(cacheControl("5m")).toEqual({ type: "ephemeral" });
    expect(JSON.stringify(cacheControl("5m"))).toBe('{"type":"ephemeral"}');
    expect(JSON.stringify(cacheControl("1h"))).toBe('{"type":"ephemeral","ttl":"1h"}');
  });
});

describe("applyMarkers", () => {
  it("returns the request itself when there is nothing to add or remove", () => {
    const req = frozenRequest();
    expect(applyMarkers(req, [], false)).toBe(req);
  });

  it("marks a tool, a system block and a message block with the TTL asked for", () => {
    const req = deepFreeze(
      request("a", {
        tools: [tool("t0", "first"), tool("t1", "second")],
        system: [text("s0"), text("s1")],
        user: [text("doc"), text("question")],
      }),
    );
    const out = applyMarkers(
      req,
      [
        { location: { kind: "tool", index: 1 }, ttl: "1h" },
        { location: { kind: "system", index: 1, shorthand: false }, ttl: "1h" },
        { location: { kind: "message", message: 0, index: 0, shorthand: false }, ttl: "5m" },
      ],
      false,
    );
    expect(out.params.tools).toEqual([
      tool("t0", "first"),
      { ...tool("t1", "second"), cache_control: { type: "ephemeral", ttl: "1h" } },
    ]);
    expect(out.params.system).toEqual([
      text("s0"),
      { type: "text", text: "s1", cache_control: { type: "ephemeral", ttl: "1h" } },
    ]);
    expect(out.params.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "doc", cache_control: { type: "ephemeral" } },
          text("question"),
        ],
      },
    ]);
    expect(out.custom_id).toBe("a");
  });

  it("turns a string system prompt into one text block only when marking it", () => {
    const req = deepFreeze(request("a", { system: "rules", user: "question" }));
    const onSystem = applyMarkers(
      req,
      [{ location: { kind: "system", index: 0, shorthand: true }, ttl: "1h" }],
      false,
    );
    expect(onSystem.params.system).toEqual([
      { type: "text", text: "rules", cache_control: { type: "ephemeral", ttl: "1h" } },
    ]);
    expect(onSystem.params.messages).toEqual([{ role: "user", content: "question" }]);

    const onMessage = applyMarkers(
      req,
      [{ location: { kind: "message", message: 0, index: 0, shorthand: true }, ttl: "5m" }],
      false,
    );
    expect(onMessage.params.system).toBe("rules");
    expect(onMessage.params.messages).toEqual([
      {
        role: "user",
        content: [{ type: "text", text: "question", cache_control: { type: "ephemeral" } }],
      },
    ]);
  });

  it("placements taken from segmentRequest land on the segment they name", () => {
    // A marked shorthand becomes a one-block array, so its label gains an index.
    const label = (l: string) =>
      l === "system" ? "system[0]" : l.endsWith(".content") ? `${l}[0]` : l;
    const req = frozenRequest();
    const segs = segmentRequest(req, new ContextInterner()).segments;
    for (const seg of segs) {
      const out = applyMarkers(req, [{ location: seg.location, ttl: "1h" }], false);
      const outSegs = segmentRequest(out, new ContextInterner()).segments;
      expect(outSegs.map((s) => label(s.label))).toEqual(segs.map((s) => label(s.label)));
      // Only the marked segment changed its marker; every hash is unchanged.
      expect(outSegs.map((s) => s.contentHash)).toEqual(segs.map((s) => s.contentHash));
      const target = label(seg.label);
      expect(outSegs.map((s) => (label(s.label) === target ? "target" : s.marker))).toEqual(
        segs.map((s) => (label(s.label) === target ? "target" : s.marker)),
      );
      expect(outSegs.find((s) => label(s.label) === target)!.marker).toBe("1h");
    }
  });

  it("keeps markers already there unless asked to remove them", () => {
    const req = frozenRequest();
    const placement: MarkerPlacement = { location: { kind: "tool", index: 0 }, ttl: "1h" };
    const kept = applyMarkers(req, [placement], false);
    expect(params(kept).cache_control).toEqual({ type: "ephemeral" });
    expect(kept.params.messages[1]!.content).toEqual([
      text("a0"),
      { type: "text", text: "a1", cache_control: { type: "ephemeral" } },
    ]);
  });

  it("removes every existing marker, the top-level one included, when asked", () => {
    const req = frozenRequest();
    const out = applyMarkers(req, [], true);
    expect("cache_control" in params(out)).toBe(false);
    expect(out.params.messages[1]!.content).toEqual([text("a0"), text("a1")]);
    expect(JSON.stringify(out)).not.toContain("cache_control");
    expect(normalised(out)).toEqual(normalised(req));
  });

  it("removes existing markers and adds new ones in one go", () => {
    const req = frozenRequest();
    const out = applyMarkers(
      req,
      [{ location: { kind: "message", message: 1, index: 0, shorthand: false }, ttl: "5m" }],
      true,
    );
    expect("cache_control" in params(out)).toBe(false);
    expect(out.params.messages[1]!.content).toEqual([
      { type: "text", text: "a0", cache_control: { type: "ephemeral" } },
      text("a1"),
    ]);
  });

  it("never mutates its input", () => {
    // The input is deep-frozen: any write would throw. Compare to a snapshot as well.
    const req = frozenRequest();
    const before = structuredClone(req);
    const segs = segmentRequest(req, new ContextInterner()).segments;
    for (const remove of [false, true]) {
      applyMarkers(
        req,
        segs.map((s) => ({ location: s.location, ttl: "1h" as const })),
        remove,
      );
    }
    expect(req).toEqual(before);
  });

  it("changes nothing but cache_control and shorthand form", () => {
    const req = frozenRequest();
    const segs = segmentRequest(req, new ContextInterner()).segments;
    const out = applyMarkers(
      req,
      segs.slice(0, 4).map((s) => ({ location: s.location, ttl: "5m" as const })),
      false,
    );
    expect(normalised(out)).toEqual(normalised(req));
  });
});

/** Requests with string and array forms at each level, user markers and blocks of every kind. */
const arbitraryRequest = fc
  .record({
    tools: fc.option(fc.array(fc.constantFrom("t0", "t1", "t2"), { maxLength: 3 }), {
      nil: undefined,
    }),
    system: fc.option(
      fc.oneof(
        fc.constantFrom("rules", ""),
        fc.array(fc.constantFrom("s0", "s1"), { minLength: 1, maxLength: 3 }),
      ),
      { nil: undefined },
    ),
    messages: fc.array(
      fc.oneof(
        fc.constantFrom("question", "answer"),
        fc.array(
          fc.oneof(
            fc
              .constantFrom("a", "b", "marked")
              .map((t) => (t === "marked" ? text(t, "5m") : text(t))),
            fc.constant({ type: "image", source: { type: "url", url: "https://x/y.png" } }),
            fc.constant({ type: "thinking", thinking: "t", signature: "s" }),
          ),
          { minLength: 1, maxLength: 3 },
        ),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    top: fc.boolean(),
  })
  .map(({ tools, system, messages, top }) =>
    deepFreeze(
      request("r", {
        ...(tools ? { tools: tools.map((t) => tool(t, "d")) } : {}),
        ...(system === undefined
          ? {}
          : { system: typeof system === "string" ? system : system.map((t) => text(t)) }),
        messages: messages.map((content, i) => ({
          role: i % 2 === 0 ? "user" : "assistant",
          content,
        })),
        extra: top ? { cache_control: { type: "ephemeral" } } : {},
      }),
    ),
  );

describe("removeMarkers", () => {
  it("undoes applyMarkers: the planner's markers go, the user's stay, strings come back", () => {
    fc.assert(
      fc.property(arbitraryRequest, fc.array(fc.nat(), { maxLength: 4 }), (req, picks) => {
        const segs = segmentRequest(req, new ContextInterner()).segments;
        const free = segs.filter((s) => s.eligible && s.marker === null);
        if (free.length === 0) return;
        const chosen = [...new Set(picks.map((p) => free[p % free.length]!))];
        const placements = chosen.map((s) => ({ location: s.location, ttl: "1h" as const }));
        const marked = applyMarkers(req, placements, false);
        const labels = chosen.map((s) => s.label);
        expect(removeMarkers(marked, labels)).toEqual(req);
      }),
    );
  });

  it("keeps a one-block list the user wrote as a list", () => {
    const req = deepFreeze(request("a", { system: [text("rules")], user: [text("q")] }));
    const marked = applyMarkers(
      req,
      segmentRequest(req, new ContextInterner()).segments.map((s) => ({
        location: s.location,
        ttl: "5m" as const,
      })),
      false,
    );
    expect(removeMarkers(marked, ["system[0]", "messages[0].content[0]"])).toEqual(req);
  });

  it("returns the request itself when there is nothing to remove", () => {
    const req = frozenRequest();
    expect(removeMarkers(req, [])).toBe(req);
  });
});
