/**
 * Which settings enter the cache key, per level. The planner's trie, the simulator's cache and the
 * report all key a prefix by the chain of `segmentRequest()` keys up to its last block (reference
 * §1.7: "a 100% identical prefix … up to and including the marked block"). The prefix through
 * each level (tools, then system, then messages) must change exactly when the API's cache would
 * miss at that level: reference §1.6 "What invalidates the cache" (PC-zh §导致缓存失效的因素), where
 * a change at one level busts that level and every later one. Where the table says
 * "model-dependent" the key changes from the tools level on (conservative: the planner never
 * counts on a read that may not happen); settings the table does not list are decided below,
 * each with its reason.
 */
import { describe, expect, it } from "vitest";
import type { BatchRequest } from "../../src/index.js";
import { ContextInterner, segmentRequest } from "../../src/request/segments.js";
import type { SegmentLevel } from "../../src/types.js";
import { request, text, tool } from "../helpers/requests.js";

type Json = Record<string, unknown>;

const IMAGE = { type: "image", source: { type: "url", url: "https://example.com/a.png" } };

/** Tools, a system prompt, and two turns; every setting is changed on top of this. */
function base(extra: Json = {}, messages?: Json[]): BatchRequest {
  return request("k", {
    model: "claude-opus-5-5",
    tools: [tool("lookup", "Looks a word up")],
    system: [text("You are terse.")],
    messages: messages ?? [
      { role: "user", content: [text("Define cache.")] },
      { role: "assistant", content: [text("A store.")] },
      { role: "user", content: [text("More?")] },
    ],
    extra,
  });
}

/** The prefix key through each level: every segment key up to the level's last block. */
function levelKeys(req: BatchRequest, interner: ContextInterner): Record<SegmentLevel, string> {
  const { segments } = segmentRequest(req, interner);
  const through = (level: SegmentLevel) => {
    const order: SegmentLevel[] = ["tools", "system", "messages"];
    const upTo = order.indexOf(level);
    return segments
      .filter((s) => order.indexOf(s.level) <= upTo)
      .map((s) => s.key)
      .join("|");
  };
  return { tools: through("tools"), system: through("system"), messages: through("messages") };
}

type Busts = [tools: boolean, system: boolean, messages: boolean];

/** One setting, the request with it changed, and whether the prefix through each level changes. */
const SETTINGS: { setting: string; changed: BatchRequest; busts: Busts; why: string }[] = [
  {
    setting: "model",
    changed: request("k", { ...specOf(base()), model: "claude-sonnet-5" }),
    busts: [true, true, true],
    why: "caches are per model (reference §1.6, CD-en model_changed)",
  },
  {
    setting: "inference_geo",
    changed: base({ inference_geo: "us" }),
    busts: [true, true, true],
    why: "sharing across inference regions is not documented: conservative (segments.ts levelContexts)",
  },
  {
    setting: "thinking",
    changed: base({ thinking: { type: "enabled", budget_tokens: 2048 } }),
    busts: [true, true, true],
    why: "§1.6 thinking params: model-dependent at tools and system, ✘ at messages; conservative",
  },
  {
    setting: "output_config.effort",
    changed: base({ output_config: { effort: "low" } }),
    busts: [true, true, true],
    why: "§1.6 output_config.effort: model-dependent at tools and system, ✘ at messages; conservative",
  },
  {
    setting: "speed",
    changed: base({ speed: "fast" }),
    busts: [false, true, true],
    why: "§1.6 speed: ✓ tools, ✘ system, ✘ messages",
  },
  {
    setting: "citations on",
    changed: base({}, [
      {
        role: "user",
        content: [
          text("Define cache."),
          {
            type: "document",
            source: { type: "text", media_type: "text/plain", data: "A cache is a store." },
            citations: { enabled: true },
          },
        ],
      },
    ]),
    busts: [false, true, true],
    why: "§1.6 citations on/off: ✓ tools, ✘ system, ✘ messages",
  },
  {
    setting: "tool definitions (web search on)",
    changed: request("k", {
      ...specOf(base()),
      tools: [
        tool("lookup", "Looks a word up"),
        { type: "web_search_20250305", name: "web_search" },
      ],
    }),
    busts: [true, true, true],
    why: "§1.6 tool definitions: ✘ everywhere; web search on/off keeps tools (✓) there, but a tool is a segment of the tools prefix here: conservative",
  },
  {
    setting: "tool_choice",
    changed: base({ tool_choice: { type: "any" } }),
    busts: [false, false, true],
    why: "§1.6 tool_choice: ✓ tools, ✓ system, ✘ messages",
  },
  {
    setting: "an image in a later message",
    changed: base({}, [
      { role: "user", content: [text("Define cache.")] },
      { role: "assistant", content: [text("A store.")] },
      { role: "user", content: [text("More?"), IMAGE] },
    ]),
    busts: [false, false, true],
    why: "§1.6 images added or removed anywhere: ✓ tools, ✓ system, ✘ messages",
  },
  {
    setting: "an image inside a tool_result",
    changed: base({}, [
      { role: "user", content: [text("Define cache.")] },
      {
        role: "assistant",
        content: [text("A store."), { type: "tool_use", id: "t1", name: "lookup", input: {} }],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "t1", content: [IMAGE] }, text("More?")],
      },
    ]),
    busts: [false, false, true],
    why: "§1.6 images anywhere, tool results included",
  },
  {
    setting: "output_config (other than effort)",
    changed: base({ output_config: { format: { type: "json_schema", schema: {} } } }),
    busts: [false, false, true],
    why: "the output format shapes the rendered prompt after the system prompt: ✘ messages (conservative)",
  },
  {
    setting: "output_format",
    changed: base({ output_format: { type: "json_schema", schema: {} } }),
    busts: [false, false, true],
    why: "as output_config.format (its older name)",
  },
  {
    setting: "context_management",
    changed: base({ context_management: { edits: [{ type: "clear_tool_uses_20250919" }] } }),
    busts: [false, false, true],
    why: "context editing changes what the messages render to: ✘ messages (conservative)",
  },
  {
    setting: "max_tokens",
    changed: request("k", { ...specOf(base()), max_tokens: 7 }),
    busts: [false, false, false],
    why: "sampling and output limits are not part of the prompt (§1.7: the key is the prompt up to the breakpoint)",
  },
  {
    setting: "temperature, top_p, top_k, stop_sequences, metadata",
    changed: base({
      temperature: 0.2,
      top_p: 0.9,
      top_k: 5,
      stop_sequences: ["END"],
      metadata: { user_id: "u" },
    }),
    busts: [false, false, false],
    why: "not part of the prompt",
  },
  {
    setting: "a top-level cache_control",
    changed: base({ cache_control: { type: "ephemeral", ttl: "1h" } }),
    busts: [false, false, false],
    why: "markers say where to cache, not what (segments are hashed without cache_control)",
  },
];

/** The spec of a request built by `base`, to change one field of it. */
function specOf(req: BatchRequest) {
  const { model, max_tokens: _max, ...params } = req.params as unknown as Json;
  const { tools, system, messages, ...extra } = params;
  return {
    model: model as string,
    tools: tools as Json[],
    system: system as Json[],
    messages: messages as Json[],
    extra,
  };
}

describe("the cache key, per level (reference §1.6)", () => {
  it.each(SETTINGS)("$setting: $why", ({ changed, busts }) => {
    const interner = new ContextInterner();
    const before = levelKeys(base(), interner);
    const after = levelKeys(changed, interner);
    expect({
      tools: after.tools !== before.tools,
      system: after.system !== before.system,
      messages: after.messages !== before.messages,
    }).toEqual({ tools: busts[0], system: busts[1], messages: busts[2] });
  });

  it("a change at one level busts every later level (the table's rows are monotone)", () => {
    for (const { setting, busts } of SETTINGS) {
      const firstBust = busts.indexOf(true);
      if (firstBust >= 0) expect(busts.slice(firstBust), setting).not.toContain(false);
    }
  });
});
