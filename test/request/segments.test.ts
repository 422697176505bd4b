/**
 * `segmentRequest`: a request split into cacheable units in prefix order tools → system →
 * messages (reference fact 1), hashed without `cache_control`, with lookback positions where
 * runs of tool_use / tool_result blocks fold (reference fact 3) and eligibility per §1.5.
 */
import { describe, expect, it } from "vitest";
import type { BatchRequest } from "../../src/index.js";
import { ContextInterner, segmentRequest } from "../../src/request/segments.js";
import { request, text, tool } from "../helpers/requests.js";

const segments = (req: BatchRequest, interner = new ContextInterner()) =>
  segmentRequest(req, interner).segments;

describe("segmentRequest", () => {
  it("gives segments in the order tools → system → messages, with labels and locations", () => {
    const req = request("a", {
      tools: [tool("t0", "first"), tool("t1", "second")],
      system: [text("s0"), text("s1")],
      messages: [
        { role: "user", content: "question" },
        { role: "assistant", content: [text("a0"), text("a1")] },
      ],
    });
    const s = segments(req);
    expect(s.map((x) => [x.level, x.label])).toEqual([
      ["tools", "tools[0]"],
      ["tools", "tools[1]"],
      ["system", "system[0]"],
      ["system", "system[1]"],
      ["messages", "messages[0].content"],
      ["messages", "messages[1].content[0]"],
      ["messages", "messages[1].content[1]"],
    ]);
    expect(s.map((x) => x.location)).toEqual([
      { kind: "tool", index: 0 },
      { kind: "tool", index: 1 },
      { kind: "system", index: 0, shorthand: false },
      { kind: "system", index: 1, shorthand: false },
      { kind: "message", message: 0, index: 0, shorthand: true },
      { kind: "message", message: 1, index: 0, shorthand: false },
      { kind: "message", message: 1, index: 1, shorthand: false },
    ]);
    expect(s.map((x) => x.position)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("labels a string system prompt as one shorthand segment", () => {
    const s = segments(request("a", { system: "be brief" }));
    expect(s[0]).toMatchObject({
      level: "system",
      label: "system",
      location: { kind: "system", index: 0, shorthand: true },
      block: { type: "text", text: "be brief" },
    });
  });

  it("hashes ignore cache_control, and the block given to the counter has none", () => {
    const plain = segments(request("a", { system: [text("rules")], user: [text("doc")] }));
    const marked = segments(
      request("b", {
        system: [text("rules", "1h")],
        user: [text("doc", "5m")],
        extra: { cache_control: { type: "ephemeral" } },
      }),
    );
    expect(marked.map((s) => s.contentHash)).toEqual(plain.map((s) => s.contentHash));
    expect(marked.map((s) => s.key)).toEqual(plain.map((s) => s.key));
    expect(marked.map((s) => s.block)).toEqual([text("rules"), text("doc")]);
  });

  it("reads the TTL of markers already in the request, and the top-level one", () => {
    const req = request("a", {
      tools: [{ ...tool("t", "d"), cache_control: { type: "ephemeral", ttl: "1h" } }],
      system: [text("rules", "5m"), text("more")],
      extra: { cache_control: { type: "ephemeral", ttl: "1h" } },
    });
    const { segments: s, topLevelMarker } = segmentRequest(req, new ContextInterner());
    expect(s.map((x) => x.marker)).toEqual(["1h", "5m", null, null]);
    expect(topLevelMarker).toBe("1h");
    expect(segmentRequest(request("b"), new ContextInterner()).topLevelMarker).toBeNull();
  });

  it("a string system prompt and the equivalent one-text-block array hash equal", () => {
    const interner = new ContextInterner();
    const shorthand = segments(request("a", { system: "rules" }), interner);
    const block = segments(request("b", { system: [text("rules")] }), interner);
    expect(shorthand[0]!.contentHash).toBe(block[0]!.contentHash);
    expect(shorthand[0]!.key).toBe(block[0]!.key);
  });

  it("string message content and the equivalent one-text-block array hash equal", () => {
    const interner = new ContextInterner();
    const shorthand = segments(request("a", { user: "what is 2 + 2?" }), interner);
    const block = segments(request("b", { user: [text("what is 2 + 2?")] }), interner);
    expect(shorthand[0]!.contentHash).toBe(block[0]!.contentHash);
    expect(shorthand[0]!.key).toBe(block[0]!.key);
    expect(shorthand[0]!.block).toEqual(block[0]!.block);
  });

  it("the same text as a user and as an assistant message hashes differently", () => {
    const s = segments(
      request("a", {
        messages: [
          { role: "user", content: "same" },
          { role: "assistant", content: "same" },
        ],
      }),
    );
    expect(s[0]!.contentHash).not.toBe(s[1]!.contentHash);
  });

  it("the same text as a system block and as a message hashes differently", () => {
    const s = segments(request("a", { system: "same", user: "same" }));
    expect(s[0]!.contentHash).not.toBe(s[1]!.contentHash);
  });

  it("a different tool_choice changes message-level keys but not tools or system keys", () => {
    // Reference §1.6: tool_choice busts messages only.
    const interner = new ContextInterner();
    const parts = { tools: [tool("t", "d")], system: "rules", user: "question" };
    const auto = segments(
      request("a", { ...parts, extra: { tool_choice: { type: "auto" } } }),
      interner,
    );
    const any = segments(
      request("b", { ...parts, extra: { tool_choice: { type: "any" } } }),
      interner,
    );
    expect(auto.map((s) => s.level)).toEqual(["tools", "system", "messages"]);
    expect(any[0]!.key).toBe(auto[0]!.key);
    expect(any[1]!.key).toBe(auto[1]!.key);
    expect(any[2]!.key).not.toBe(auto[2]!.key);
    // The content hash itself does not change; only the key's context does.
    expect(any[2]!.contentHash).toBe(auto[2]!.contentHash);
  });

  it("a different model changes every key", () => {
    const interner = new ContextInterner();
    const parts = { tools: [tool("t", "d")], system: "rules", user: "question" };
    const a = segments(request("a", { ...parts, model: "claude-sonnet-4-5" }), interner);
    const b = segments(request("b", { ...parts, model: "claude-opus-5-5" }), interner);
    for (let i = 0; i < a.length; i++) expect(b[i]!.key).not.toBe(a[i]!.key);
  });

  it("folds runs of tool_use blocks and runs of tool_result blocks into one lookback position", () => {
    const req = request("a", {
      messages: [
        { role: "user", content: "hi" }, // 0
        {
          role: "assistant",
          content: [
            text("calling"), // 1
            { type: "tool_use", id: "u1", name: "t", input: {} }, // 2
            { type: "tool_use", id: "u2", name: "t", input: {} }, // 2 (same run)
            { type: "tool_use", id: "u3", name: "t", input: {} }, // 2 (same run)
          ],
        },
        {
          role: "user",
          content: [
            // each tool_result: its content "rN" as a block of its own, then itself, one position
            { type: "tool_result", tool_use_id: "u1", content: "r1" }, // 3, 3 (new type)
            { type: "tool_result", tool_use_id: "u2", content: "r2" }, // 3, 3
            { type: "tool_result", tool_use_id: "u3", content: "r3" }, // 3, 3
            text("go on"), // 4
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "u4", name: "t", input: {} }, // 5
            text("and"), // 6
            { type: "tool_use", id: "u5", name: "t", input: {} }, // 7 (run broken by text)
          ],
        },
      ],
    });
    expect(segments(req).map((s) => s.position)).toEqual([
      0, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 5, 6, 7,
    ]);
  });

  it("tool blocks fold only within messages: tools and system each take a position", () => {
    const req = request("a", {
      tools: [tool("t0", "d"), tool("t1", "d")],
      system: "rules",
      messages: [
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "u1", content: "r1" },
            { type: "tool_result", tool_use_id: "u2", content: "r2" },
          ],
        },
      ],
    });
    expect(segments(req).map((s) => s.position)).toEqual([0, 1, 2, 3, 3, 3, 3]);
  });

  it("thinking blocks, redacted thinking, empty text and unknown block types are ineligible", () => {
    const req = request("a", {
      system: [text("rules"), text("")],
      messages: [
        { role: "user", content: "q" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hmm", signature: "sig" },
            { type: "redacted_thinking", data: "xyz" },
            { type: "text", text: "" },
            { type: "some_future_block" },
            text("answer"),
            { type: "tool_use", id: "u1", name: "t", input: {} },
          ],
        },
        { role: "user", content: "" },
      ],
    });
    expect(segments(req).map((s) => [s.label, s.eligible])).toEqual([
      ["system[0]", true],
      ["system[1]", false],
      ["messages[0].content", true],
      ["messages[1].content[0]", false],
      ["messages[1].content[1]", false],
      ["messages[1].content[2]", false],
      ["messages[1].content[3]", false],
      ["messages[1].content[4]", true],
      ["messages[1].content[5]", true],
      ["messages[2].content", false],
    ]);
  });

  it("tool definitions, images and documents are eligible", () => {
    const req = request("a", {
      tools: [tool("t", "d")],
      user: [
        { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
        { type: "document", source: { type: "text", media_type: "text/plain", data: "doc" } },
      ],
    });
    expect(segments(req).map((s) => s.eligible)).toEqual([true, true, true]);
  });

  it("ids from one interner are stable: the same context gets the same key prefix", () => {
    const interner = new ContextInterner();
    const a = segments(request("a", { system: "x" }), interner);
    const b = segments(request("b", { system: "x" }), interner);
    expect(a[0]!.key).toBe(b[0]!.key);
  });
});
