/**
 * Shared text inside tool_result content (issue 13): an agent job whose requests read the same
 * long file through a tool and ask different questions in the same tool_result string. The text
 * inside the tool_result is found and split like a user string (SDK 1.12.0
 * `ToolResultBlockParam.content` is a string or a list of text blocks, each with `cache_control`;
 * reference §1.5), and a marker the user put inside a tool_result counts toward the 4.
 */
import { describe, expect, it } from "vitest";
import { cutText, LazyPieces } from "../../src/plan/_text-pieces.js";
import { plan } from "../../src/plan/plan.js";
import type { PlanWarning } from "../../src/plan/warnings.js";
import { foldedContext, foldedContextAt, walkedSegments } from "../../src/request/segments.js";
import { sampleText } from "../../src/sample.js";
import type { BatchRequest } from "../../src/types.js";
import { seededRandom } from "../../src/util/random.js";
import { createWordCounter } from "../helpers/word-counter.js";

const MODEL = "claude-sonnet-4-5"; // minimum cacheable prefix 1,024 tokens (reference §2)
const random = seededRandom(1313);
/** A file of ~2,000 words, one paragraph a line. */
const FILE = Array.from({ length: 10 }, () => sampleText(random, 200)).join("\n");

type Json = Record<string, unknown>;

function agentJob(n: number, userMarker = false): BatchRequest[] {
  return Array.from({ length: n }, (_, i) => {
    const content = `${FILE}\n\nQuestion: ${sampleText(seededRandom(i + 1), 12)}`;
    const result: Json = { type: "tool_result", tool_use_id: "toolu_read", content };
    const request = {
      custom_id: `a-${i}`,
      params: {
        model: MODEL,
        max_tokens: 20,
        messages: [
          { role: "user", content: "Answer the question at the end of the file." },
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "toolu_read", name: "read", input: {} }],
          },
          { role: "user", content: [result] },
        ],
      },
    } as unknown as BatchRequest;
    if (userMarker) {
      (request.params as unknown as Json).system = [
        { type: "text", text: "s1", cache_control: { type: "ephemeral" } },
        { type: "text", text: "s2", cache_control: { type: "ephemeral" } },
        { type: "text", text: "s3", cache_control: { type: "ephemeral" } },
      ];
      result.content = [{ type: "text", text: content, cache_control: { type: "ephemeral" } }];
    }
    return request;
  });
}

const resultOf = (request: BatchRequest): Json =>
  (request.params.messages[2]!.content as unknown as Json[])[0]!;

describe("shared text inside a tool_result's string content", () => {
  it("without splitText: a split-text warning names the tool_result's content", async () => {
    const planned = await plan(agentJob(30), { counter: createWordCounter() });
    expect(planned.groups).toEqual([]);
    const warning = planned.warnings.find((w) => w.kind === "split-text") as Extract<
      PlanWarning,
      { kind: "split-text" }
    >;
    expect(warning).toMatchObject({ segment: "messages[2].content[0].content", requests: 30 });
    expect(warning.sharedTokens).toBeGreaterThan(1_900);
  });

  it("with splitText: the file becomes its own marked block inside the tool_result", async () => {
    const input = agentJob(30);
    const planned = await plan(input, { counter: createWordCounter(), splitText: true });
    expect(planned.groups).toHaveLength(1);
    expect(planned.groups[0]!.breakpoints.map((b) => b.segment)).toEqual([
      "messages[2].content[0].content[0]",
    ]);
    const out = planned.batches.flatMap((b) => b.requests);
    const byId = new Map(input.map((r) => [r.custom_id, r]));
    const shared = new Set<string>();
    for (const request of out) {
      const result = resultOf(request);
      const parts = result.content as { text: string; cache_control?: unknown }[];
      expect(parts).toHaveLength(2);
      expect(parts[0]!.cache_control).toMatchObject({ type: "ephemeral" });
      expect(parts[1]!.cache_control).toBeUndefined();
      // The same text, the tool_result's other fields unchanged.
      expect(parts.map((p) => p.text).join("")).toBe(
        resultOf(byId.get(request.custom_id)!).content,
      );
      expect(result.tool_use_id).toBe("toolu_read");
      shared.add(parts[0]!.text);
      // The first part ends at a line end inside the file (the boundary rule).
      expect(parts[0]!.text.endsWith("\n")).toBe(true);
      expect(FILE.startsWith(parts[0]!.text.trimEnd())).toBe(true);
    }
    expect(shared.size).toBe(1);
  });

  it("a user marker inside a tool_result counts toward the 4: 3 system markers leave no slot", async () => {
    const planned = await plan(agentJob(30, true), {
      counter: createWordCounter(),
      splitText: true,
    });
    // 3 system markers + the nested one = 4: no planner marker fits, so nothing is split.
    for (const request of planned.batches.flatMap((b) => b.requests)) {
      expect((JSON.stringify(request).match(/cache_control/g) ?? []).length).toBe(4);
      expect((resultOf(request).content as unknown[]).length).toBe(1);
    }
  });
});

describe("the helpers the planner reads text pieces with", () => {
  it("LazyPieces gives cutText's pieces, cut only as far as asked", () => {
    const text = `${FILE}\n${"x".repeat(1500)} tail`;
    const ends = cutText(text);
    const lazy = new LazyPieces(text);
    expect(lazy.end(2)).toBe(ends[2]);
    expect(ends.map((_, j) => lazy.end(j))).toEqual(ends);
    expect(lazy.end(ends.length)).toBe(-1);
    expect(lazy.isLast(ends.length - 1)).toBe(true);
    expect(ends.map((_, j) => lazy.piece(j)).join("")).toBe(text);
  });

  it("foldedContextAt reads what the walk folds into each segment's hash", () => {
    const [request] = agentJob(1);
    const params = structuredClone(request!.params) as unknown as Json;
    ((params.messages as Json[])[2]!.content as Json[]).push({ type: "text", text: "more" });
    ((params.messages as Json[])[2]!.content as Json[]).unshift({
      type: "tool_result",
      tool_use_id: "toolu_other",
      is_error: true,
      content: [
        { type: "text", text: "a" },
        { type: "text", text: "b" },
      ],
    });
    for (const segment of walkedSegments(params)) {
      expect(foldedContextAt(params, segment.location)).toBe(foldedContext(segment));
    }
  });
});
