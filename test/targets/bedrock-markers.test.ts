import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toBedrockLine } from "../../src/targets/bedrock/index.js";

// Bedrock batch inference does not cache (other-batch-systems.md §2.6), so the line drops the cache
// markers: only them, at the places the API reads one (reference §1.5). A key named
// `cache_control` anywhere else is the user's data and must survive.

const EPHEMERAL = { type: "ephemeral" } as const;

describe("bedrock target: only cache markers are removed (issue 15, item 1)", () => {
  it("keeps an input_schema property named cache_control, and its required entry", () => {
    const schema = {
      type: "object",
      properties: { cache_control: { type: "string" }, q: { type: "string" } },
      required: ["cache_control"],
    };
    const line = toBedrockLine({
      custom_id: "a",
      params: {
        model: "m",
        max_tokens: 5,
        tools: [{ name: "t", input_schema: schema, cache_control: EPHEMERAL }],
        messages: [{ role: "user", content: "q" }],
      },
    });
    expect(line.modelInput.tools).toEqual([{ name: "t", input_schema: schema }]);
  });

  it("keeps a tool_use input {cache_control: 'off'}", () => {
    const toolUse = { type: "tool_use", id: "tu_1", name: "t", input: { cache_control: "off" } };
    const line = toBedrockLine({
      custom_id: "a",
      params: {
        model: "m",
        max_tokens: 5,
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: [{ ...toolUse, cache_control: EPHEMERAL }] },
        ],
      },
    });
    expect(line.modelInput.messages).toEqual([
      { role: "user", content: "q" },
      { role: "assistant", content: [toolUse] },
    ]);
  });

  it("removes markers on tools, system, message blocks, tool_result content and the top level", () => {
    const line = toBedrockLine({
      custom_id: "a",
      params: {
        model: "m",
        max_tokens: 5,
        cache_control: EPHEMERAL,
        tools: [{ name: "t", input_schema: { type: "object" }, cache_control: EPHEMERAL }],
        system: [{ type: "text", text: "S", cache_control: { type: "ephemeral", ttl: "1h" } }],
        messages: [
          { role: "user", content: [{ type: "text", text: "q", cache_control: EPHEMERAL }] },
          { role: "assistant", content: [{ type: "tool_use", id: "x", name: "t", input: {} }] },
          {
            role: "user",
            content: [
              {
                type: "tool_result",
                tool_use_id: "x",
                content: [{ type: "text", text: "r", cache_control: EPHEMERAL }],
                cache_control: EPHEMERAL,
              },
            ],
          },
        ],
      },
    });
    expect(JSON.stringify(line)).not.toContain("cache_control");
    expect(line.modelInput).toEqual({
      anthropic_version: "bedrock-2023-05-31",
      max_tokens: 5,
      tools: [{ name: "t", input_schema: { type: "object" } }],
      system: [{ type: "text", text: "S" }],
      messages: [
        { role: "user", content: [{ type: "text", text: "q" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "x", name: "t", input: {} }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "x", content: [{ type: "text", text: "r" }] },
          ],
        },
      ],
    });
  });

  // User data that may hold keys named `cache_control` at any depth.
  const userData = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.oneof(fc.string(), fc.integer(), fc.boolean()),
      fc.array(tie("value"), { maxLength: 3 }),
      tie("object"),
    ),
    object: fc.dictionary(
      fc.oneof(fc.constant("cache_control"), fc.constantFrom("a", "b", "type")),
      tie("value"),
      { maxKeys: 3 },
    ),
  })).object as fc.Arbitrary<Record<string, unknown>>;

  const marker = fc.option(
    fc.constantFrom<Record<string, unknown>>(EPHEMERAL, { type: "ephemeral", ttl: "1h" }),
    { nil: undefined },
  );
  /** A clean block and the same block with the marker (if any). */
  const marked = (clean: fc.Arbitrary<Record<string, unknown>>) =>
    fc.tuple(clean, marker).map(([block, m]) => ({
      clean: block,
      marked: m === undefined ? block : { ...block, cache_control: m },
    }));
  const text = marked(fc.string({ minLength: 1 }).map((t) => ({ type: "text", text: t })));
  const tool = marked(
    fc.record({ name: fc.string(), input_schema: userData, description: fc.string() }),
  );
  const toolUse = marked(
    fc.record({
      type: fc.constant("tool_use"),
      id: fc.string(),
      name: fc.string(),
      input: userData,
    }),
  );
  const toolResult = fc
    .tuple(fc.array(text, { minLength: 1, maxLength: 3 }), marker)
    .map(([inner, m]) => {
      const clean = { type: "tool_result", tool_use_id: "x", content: inner.map((b) => b.clean) };
      const withInner = { ...clean, content: inner.map((b) => b.marked) };
      return { clean, marked: m === undefined ? withInner : { ...withInner, cache_control: m } };
    });
  const block = fc.oneof(text, toolUse, toolResult);
  const message = fc
    .tuple(fc.constantFrom("user", "assistant"), fc.array(block, { minLength: 1, maxLength: 3 }))
    .map(([role, blocks]) => ({
      clean: { role, content: blocks.map((b) => b.clean) },
      marked: { role, content: blocks.map((b) => b.marked) },
    }));

  it("modelInput is the params minus model and minus exactly the marker fields (property)", () => {
    fc.assert(
      fc.property(
        fc.array(tool, { maxLength: 3 }),
        fc.array(text, { maxLength: 2 }),
        fc.array(message, { minLength: 1, maxLength: 3 }),
        marker,
        userData,
        (tools, system, messages, top, metadata) => {
          const clean = {
            max_tokens: 7,
            metadata,
            tools: tools.map((t) => t.clean),
            system: system.map((s) => s.clean),
            messages: messages.map((m) => m.clean),
          };
          const params: Record<string, unknown> = {
            model: "m",
            ...clean,
            tools: tools.map((t) => t.marked),
            system: system.map((s) => s.marked),
            messages: messages.map((m) => m.marked),
          };
          if (top !== undefined) params.cache_control = top;
          const line = toBedrockLine({ custom_id: "a", params });
          expect(line.modelInput).toEqual({ anthropic_version: "bedrock-2023-05-31", ...clean });
        },
      ),
      { numRuns: 300 },
    );
  });
});
