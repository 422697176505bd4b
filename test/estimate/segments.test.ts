import { describe, expect, it } from "vitest";
import { replaceTextFrom } from "../../src/estimate/_segments.js";
import {
  ContextInterner,
  segmentHash,
  segmentLabel,
  segmentRequest,
  walkedSegments,
} from "../../src/request/segments.js";
import { sampleRequests } from "../../src/sample.js";

// The estimate walks segments lazily (walkedSegments, hashed on demand by segmentHash) instead of
// calling segmentRequest() for every request, which memoises the hash of plain text per level and
// role in its interner. Both modes must agree segment for segment, across requests that share one
// interner: a memo keyed too loosely (the same text as user and assistant, in the system prompt
// and in a message) would hand one block the other's hash.

const shapes: Record<string, unknown>[] = [
  {
    model: "claude-opus-4-6",
    max_tokens: 10,
    tools: [
      { name: "lookup", description: "Look up", input_schema: { type: "object" } },
      { name: "save", input_schema: { type: "object" }, cache_control: { type: "ephemeral" } },
    ],
    system: [
      { type: "text", text: "rules" },
      { type: "text", text: "more", cache_control: { type: "ephemeral", ttl: "1h" } },
    ],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "hi" },
          { type: "text", text: "there" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "calling" },
          { type: "tool_use", id: "t1", name: "lookup", input: { q: 1 } },
        ],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "t1", content: "42" }],
      },
      { role: "assistant", content: "ok" },
      { role: "user", content: "thanks" },
    ],
  },
  {
    model: "claude-haiku-4-5",
    max_tokens: 5,
    system: "short",
    messages: [{ role: "user", content: "" }],
  },
  {
    model: "claude-haiku-4-5",
    max_tokens: 5,
    system: [{ type: "text", text: "hi" }],
    messages: [
      { role: "assistant", content: "hi" },
      {
        role: "user",
        content: [
          { type: "text", text: "hi" },
          { type: "text", text: "hi" },
        ],
      },
      { role: "user", content: [{ type: "thinking", thinking: "x", signature: "s" }] },
    ],
  },
];

describe("walkedSegments (the lazy mode)", () => {
  it("matches segmentRequest: same blocks, markers, eligibility and content hashes", () => {
    const interner = new ContextInterner();
    const requests = [
      ...shapes.map((params, i) => ({ custom_id: `s${i}`, params })),
      ...sampleRequests().slice(0, 50),
      ...sampleRequests().slice(-30),
    ];
    for (const request of requests) {
      const expected = segmentRequest(request as never, interner).segments;
      const actual = walkedSegments(request.params as Record<string, unknown>);
      expect(actual.map(segmentHash)).toEqual(expected.map((s) => s.contentHash));
      expect(actual.map((s) => s.block)).toEqual(expected.map((s) => s.block));
      expect(actual.map((s) => s.marker)).toEqual(expected.map((s) => s.marker));
      expect(actual.map((s) => s.eligible)).toEqual(expected.map((s) => s.eligible));
      expect(actual.map((s) => s.level)).toEqual(expected.map((s) => s.level));
      expect(actual.map((s) => segmentLabel(s.location))).toEqual(expected.map((s) => s.label));
    }
  });
});

describe("replaceTextFrom", () => {
  it("replaces non-empty text from a segment index on, and keeps everything else", () => {
    const params = shapes[0]!;
    const copy = structuredClone(params);
    const before = segmentRequest({ custom_id: "a", params } as never, new ContextInterner());
    const keep = 4; // two tools, two system blocks: the messages are replaced
    const replaced = replaceTextFrom(params, keep, (text, d) => `#${d}:${text.length}`);
    const after = segmentRequest(
      { custom_id: "a", params: replaced } as never,
      new ContextInterner(),
    ).segments;
    // Same segments, labels, markers and positions; same content up to `keep`.
    expect(after.map((s) => s.label)).toEqual(before.segments.map((s) => s.label));
    expect(after.map((s) => s.marker)).toEqual(before.segments.map((s) => s.marker));
    expect(after.map((s) => s.position)).toEqual(before.segments.map((s) => s.position));
    expect(after.slice(0, keep).map((s) => s.contentHash)).toEqual(
      before.segments.slice(0, keep).map((s) => s.contentHash),
    );
    // Text blocks and string contents after it carry the placeholder; other blocks stay.
    expect(after.slice(keep).map((s) => s.block.text ?? s.block.type)).toEqual([
      "#4:2", // "hi"
      "#5:5", // "there"
      "#6:7", // "calling"
      "tool_use",
      "#8:2", // the tool_result's content "42", a text block of its own (issue 13)
      "tool_result",
      "#10:2", // "ok"
      "#11:6", // "thanks"
    ]);
    // The input is not modified; nothing to replace gives the same object back.
    expect(params).toEqual(copy);
    expect(replaceTextFrom(params, 12, () => "x")).toBe(params);
    // Empty text stays empty (an empty block cannot be cached, a placeholder could).
    const empty = shapes[1]!;
    const out = replaceTextFrom(empty, 0, () => "x");
    expect(out).toMatchObject({ system: "x", messages: [{ role: "user", content: "" }] });
  });
});
