/**
 * The segment walk enters `tool_result` content (issue 13): each block of a tool_result's content
 * (or its string content, as one text block) can carry `cache_control` (SDK 1.12.0
 * `ToolResultBlockParam.content`, reference §1.5), so each is a segment of its own, before the
 * tool_result itself; nested markers count toward the 4 (reference fact 2) and are validated like
 * any other; markers can be put on them and taken off again.
 */
import { describe, expect, it } from "vitest";
import type { BatchRequest } from "../../src/index.js";
import { applyMarkers, removeMarkers } from "../../src/request/markers.js";
import {
  ContextInterner,
  rewriteSegments,
  segmentRequest,
  walkedSegments,
} from "../../src/request/segments.js";
import { countMarkers, validateRequest } from "../../src/request/validate.js";
import { cacheControlOf, request, text } from "../helpers/requests.js";

type Json = Record<string, unknown>;

const toolUse = (id: string): Json => ({ type: "tool_use", id, name: "lookup", input: {} });
const result = (id: string, content: unknown, extra: Json = {}): Json => ({
  type: "tool_result",
  tool_use_id: id,
  content,
  ...extra,
});

/** A conversation whose last user turn holds `blocks` (after a tool call `u1`). */
function withResult(customId: string, blocks: Json[], extra: Json = {}): BatchRequest {
  return request(customId, {
    system: "rules",
    messages: [
      { role: "user", content: "look it up" },
      { role: "assistant", content: [toolUse("u1")] },
      { role: "user", content: blocks },
    ],
    extra,
  });
}

const segments = (req: BatchRequest) => segmentRequest(req, new ContextInterner()).segments;

describe("the walk enters tool_result content", () => {
  it("gives each content block its own segment, before the tool_result, one lookback position", () => {
    const req = withResult("a", [result("u1", [text("first"), text("second")]), text("go on")]);
    const s = segments(req);
    expect(s.map((x) => x.label)).toEqual([
      "system",
      "messages[0].content",
      "messages[1].content[0]",
      "messages[2].content[0].content[0]",
      "messages[2].content[0].content[1]",
      "messages[2].content[0]",
      "messages[2].content[1]",
    ]);
    expect(s[3]!.location).toEqual({
      kind: "message",
      message: 2,
      index: 0,
      shorthand: false,
      part: { index: 0, shorthand: false },
    });
    // The tool_result's own segment has no content: its text is counted once, in its blocks.
    expect(s[5]!.block).toEqual({ type: "tool_result", tool_use_id: "u1" });
    expect(s.map((x) => x.position)).toEqual([0, 1, 2, 3, 3, 3, 4]);
  });

  it("a string content is one text block, labelled `.content`", () => {
    const s = segments(withResult("a", [result("u1", "the answer")]));
    expect(s.at(-2)).toMatchObject({
      label: "messages[2].content[0].content",
      block: { type: "text", text: "the answer" },
      eligible: true,
    });
  });

  it("the tool_result's own fields are part of its first block's key (they come before it)", () => {
    const ok = segments(withResult("a", [result("u1", "same text")]));
    const failed = segments(withResult("b", [result("u1", "same text", { is_error: true })]));
    expect(failed.at(-2)!.key).not.toBe(ok.at(-2)!.key);
    const again = segments(withResult("c", [result("u1", "same text")]));
    expect(again.at(-2)!.key).toBe(ok.at(-2)!.key);
  });

  it("walkedSegments and segmentRequest stay index-aligned", () => {
    const req = withResult("a", [
      result("u1", [text("x"), { type: "image", source: {} }]),
      text("y"),
    ]);
    const walked = walkedSegments(req.params as unknown as Json);
    expect(walked.map((w) => w.location)).toEqual(segments(req).map((s) => s.location));
  });
});

describe("markers inside tool_result content", () => {
  const marked = (ttl: "5m" | "1h" = "5m") => text("nested", ttl);

  it("are read with their TTL and counted toward the 4", () => {
    const req = withResult("a", [result("u1", [marked("1h"), text("more")])]);
    expect(segments(req).map((s) => s.marker)).toEqual([null, null, null, "1h", null, null]);
    expect(countMarkers(req.params as unknown as Json)).toBe(1);
  });

  it("a request with 4 markers, one nested in a tool_result, plus one more is rejected", () => {
    const four = withResult("a", [result("u1", [marked()]), text("q1", "5m")], {
      system: [text("s1", "5m"), text("s2", "5m")],
    });
    expect(validateRequest(four)).toMatchObject({ ok: true, markers: 4 });
    const five = withResult("b", [result("u1", [marked()]), text("q1", "5m")], {
      system: [text("s1", "5m"), text("s2", "5m")],
      cache_control: cacheControlOf("5m"),
    });
    const outcome = validateRequest(five);
    expect(outcome).toMatchObject({ ok: false, kind: "too-many-markers" });
    // Without the nested one it would pass: the nested marker is what makes it 5.
    const withoutNested = withResult("c", [result("u1", [text("nested")]), text("q1", "5m")], {
      system: [text("s1", "5m"), text("s2", "5m")],
      cache_control: cacheControlOf("5m"),
    });
    expect(validateRequest(withoutNested)).toMatchObject({ ok: true, markers: 4 });
  });

  it("are validated like any other: a bad shape or an empty text block is rejected with its path", () => {
    const badShape = withResult("a", [
      result("u1", [{ type: "text", text: "x", cache_control: { type: "persistent" } }]),
    ]);
    const bad = validateRequest(badShape);
    expect(bad).toMatchObject({ ok: false, kind: "invalid-marker" });
    expect((bad as { reason: string }).reason).toContain(
      "params.messages[2].content[0].content[0].cache_control.type",
    );
    const empty = withResult("b", [
      result("u1", [{ type: "text", text: "", cache_control: cacheControlOf("5m") }]),
    ]);
    const wrong = validateRequest(empty);
    expect(wrong).toMatchObject({ ok: false, kind: "invalid-marker" });
    expect((wrong as { reason: string }).reason).toContain("empty text block");
  });

  it("TTL order runs through them: a nested 1h after a 5m is a conflict", () => {
    const req = withResult("a", [result("u1", [marked("1h")])], {
      system: [text("s1", "5m")],
    });
    expect(validateRequest(req)).toMatchObject({ ok: false, kind: "conflicting-markers" });
    const ordered = withResult("b", [result("u1", [marked("5m")])], {
      system: [text("s1", "1h")],
    });
    expect(validateRequest(ordered)).toMatchObject({ ok: true });
  });

  it("a marker on the tool_result itself comes after its content's markers", () => {
    const req = withResult("a", [
      { ...result("u1", [marked("1h")]), cache_control: cacheControlOf("5m") },
    ]);
    expect(validateRequest(req)).toMatchObject({ ok: true, markers: 2 });
  });
});

describe("putting markers inside tool_result content", () => {
  const params = (r: BatchRequest) => r.params as unknown as Json;
  const lastTurn = (r: BatchRequest) => (params(r).messages as Json[])[2]!.content as Json[];

  it("marks a nested block; a string content becomes a one-block list; removal restores it", () => {
    const req = withResult("a", [result("u1", "the answer"), text("go on")]);
    const nested = segments(req).find((s) => s.label === "messages[2].content[0].content")!;
    const placed = applyMarkers(req, [{ location: nested.location, ttl: "1h" }], false);
    expect(lastTurn(placed)[0]).toEqual({
      type: "tool_result",
      tool_use_id: "u1",
      content: [{ type: "text", text: "the answer", cache_control: cacheControlOf("1h") }],
    });
    expect(lastTurn(placed)[1]).toEqual(text("go on"));
    expect(segments(placed).find((s) => s.marker !== null)!.label).toBe(
      "messages[2].content[0].content[0]",
    );
    expect(removeMarkers(placed, ["messages[2].content[0].content"])).toEqual(req);
    expect(req.params.messages[2]).toEqual({
      role: "user",
      content: [result("u1", "the answer"), text("go on")],
    });
  });

  it("marking the tool_result itself keeps its content and the order of its fields", () => {
    const req = withResult("a", [{ type: "tool_result", content: [text("x")], tool_use_id: "u1" }]);
    const own = segments(req).find((s) => s.label === "messages[2].content[0]")!;
    const placed = applyMarkers(req, [{ location: own.location, ttl: "5m" }], false);
    const block = lastTurn(placed)[0]!;
    expect(Object.keys(block)).toEqual(["type", "content", "tool_use_id", "cache_control"]);
    expect(block.content).toEqual([text("x")]);
  });

  it("removing every marker takes nested ones off too, and keeps the rest", () => {
    const req = withResult("a", [
      { ...result("u1", [text("x", "1h"), text("y")]), cache_control: cacheControlOf("5m") },
    ]);
    const cleared = applyMarkers(req, [], true);
    expect(lastTurn(cleared)[0]).toEqual(result("u1", [text("x"), text("y")]));
    expect(countMarkers(params(cleared))).toBe(0);
  });

  it("rewriteSegments returns the params themselves when nothing changes", () => {
    const req = withResult("a", [result("u1", [text("x")])]);
    expect(rewriteSegments(params(req), () => undefined)).toBe(params(req));
  });
});

describe("counting a prefix that ends inside a tool_result", () => {
  it("countParams puts the content blocks back inside their tool_result", async () => {
    const { countParams } = await import("../../src/estimate/_segments.js");
    const req = withResult("a", [result("u1", [text("x"), text("y")]), text("go on")]);
    const p = req.params as unknown as Json;
    const walked = walkedSegments(p);
    const turn = (depth?: number) => (countParams(p, walked, depth).messages as Json[])[2];
    expect(turn(4)).toEqual({ role: "user", content: [result("u1", [text("x")])] });
    expect(turn(6)).toEqual({ role: "user", content: [result("u1", [text("x"), text("y")])] });
    expect(turn()).toEqual({
      role: "user",
      content: [result("u1", [text("x"), text("y")]), text("go on")],
    });
  });
});
