import { describe, expect, it } from "vitest";
import { lazySegments, segmentHash } from "../../src/estimate/_segments.js";
import { ContextInterner, segmentRequest } from "../../src/index.js";
import { sampleRequests } from "../../src/sample.js";

// The estimate walks segments lazily (src/estimate/_segments.ts) instead of calling
// segmentRequest() for every request; the two must agree segment for segment.

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
];

describe("lazySegments", () => {
  it("matches segmentRequest: same blocks, markers and content hashes", () => {
    const requests = [
      ...shapes.map((params, i) => ({ custom_id: `s${i}`, params })),
      ...sampleRequests().slice(0, 50),
      ...sampleRequests().slice(-30),
    ];
    for (const request of requests) {
      const expected = segmentRequest(request as never, new ContextInterner()).segments;
      const actual = lazySegments(request.params as Record<string, unknown>);
      expect(actual.map(segmentHash)).toEqual(expected.map((s) => s.contentHash));
      expect(actual.map((s) => s.block)).toEqual(expected.map((s) => s.block));
      expect(actual.map((s) => s.marker)).toEqual(expected.map((s) => s.marker));
      expect(actual.map((s) => s.level)).toEqual(expected.map((s) => s.level));
    }
  });
});
