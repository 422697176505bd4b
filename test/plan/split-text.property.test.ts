/**
 * Invariants of text pieces and of `splitText` (issue 13), property-tested over templated jobs:
 * shared prefixes built of lines, long runs without whitespace and astral characters (surrogate
 * pairs), some requests carrying markers of their own.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cutText } from "../../src/plan/_text-pieces.js";
import { plan } from "../../src/plan/plan.js";
import type { BatchRequest } from "../../src/types.js";
import { createWordCounter } from "../helpers/word-counter.js";

const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 25);
const MODEL = "claude-haiku-5-5"; // minimum cacheable prefix 512 tokens (reference §2)

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
/** True when `text` starts with the second half of a surrogate pair or ends with the first. */
const brokenPair = (text: string) =>
  isLow(text.charCodeAt(0)) || isHigh(text.charCodeAt(text.length - 1));

/** Words, spaces, line ends, astral characters and long runs without whitespace. */
const atom = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("alpha ", "beta ", "gamma ", "delta ", "eps ") },
  { weight: 2, arbitrary: fc.constantFrom("\n", "\n\n", "\t") },
  { weight: 1, arbitrary: fc.constantFrom("😀", "𝔘", "a😀b ", "é") },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 700 }).map((n) => "x".repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => "😀".repeat(n)) },
);
const text = (min: number, max: number) =>
  fc.array(atom, { minLength: min, maxLength: max }).map((a) => a.join(""));

describe("cutText", () => {
  it("pieces concatenate to the text, none empty, none longer than the cap, no broken pair", () => {
    fc.assert(
      fc.property(text(0, 400), fc.integer({ min: 2, max: 600 }), (t, cap) => {
        const ends = cutText(t, cap);
        let start = 0;
        const pieces = ends.map((end) => {
          const piece = t.slice(start, end);
          start = end;
          return piece;
        });
        expect(pieces.join("")).toBe(t);
        for (const piece of pieces) {
          expect(piece.length).toBeGreaterThan(0);
          expect(piece.length).toBeLessThanOrEqual(cap);
          expect(brokenPair(piece)).toBe(false);
        }
      }),
      { numRuns: NUM_RUNS * 8 },
    );
  });

  it("texts sharing a prefix share its pieces up to one cap before they differ", () => {
    fc.assert(
      fc.property(
        text(1, 300),
        text(0, 50),
        text(0, 50),
        fc.integer({ min: 2, max: 600 }),
        (p, x, y, cap) => {
          const a = cutText(p + x, cap).filter((e) => e + cap + 1 <= p.length);
          const b = cutText(p + y, cap).filter((e) => e + cap + 1 <= p.length);
          expect(a).toEqual(b);
        },
      ),
      { numRuns: NUM_RUNS * 8 },
    );
  });
});

type TextBlock = { type: "text"; text: string; cache_control?: unknown };
type Json = Record<string, unknown>;

/**
 * Where each job's templated text is: a user string, or a tool_result's content (a string, or a
 * list of one text block and a short second one) after a tool call: tool_result text takes part
 * like any other text (issue 13).
 */
type Where = "user" | "result-string" | "result-list";

/** The label of the holder of the text, as plan groups name breakpoints (`content` or `[i]`). */
const HOLDER_LABEL: Record<Where, RegExp> = {
  user: /^messages\[0\]\.content(?:\[(\d+)\])?$/,
  "result-string": /^messages\[2\]\.content\[0\]\.content(?:\[(\d+)\])?$/,
  "result-list": /^messages\[2\]\.content\[0\]\.content(?:\[(\d+)\])?$/,
};

/** The content that holds the templated text (a string or a list of blocks). */
function holder(params: BatchRequest["params"], where: Where): unknown {
  const messages = params.messages as unknown as Json[];
  if (where === "user") return messages[0]!.content;
  return ((messages[2]!.content as Json[])[0] as Json).content;
}

/** `params` as JSON without the holder's content and without any cache_control. */
function rest(params: BatchRequest["params"], where: Where): string {
  const copy = structuredClone(params) as unknown as Json;
  const messages = copy.messages as Json[];
  if (where === "user") messages[0]!.content = null;
  else ((messages[2]!.content as Json[])[0] as Json).content = null;
  return JSON.stringify(copy, (k, v) => (k === "cache_control" ? undefined : v));
}

function messagesFor(
  where: Where,
  content: string,
  marked: boolean,
): BatchRequest["params"]["messages"] {
  const block: TextBlock = marked
    ? { type: "text", text: content, cache_control: { type: "ephemeral" } }
    : { type: "text", text: content };
  if (where === "user")
    return [
      { role: "user", content: marked ? [block] : content },
    ] as unknown as BatchRequest["params"]["messages"];
  const inner =
    where === "result-list"
      ? [block, { type: "text", text: "(end of file)" }]
      : marked
        ? [block]
        : content;
  return [
    { role: "user", content: "Read the file." },
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "read", input: {} }] },
    {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "toolu_1", content: inner },
        { type: "text", text: "Answer briefly." },
      ],
    },
  ] as unknown as BatchRequest["params"]["messages"];
}

/** A job: each request's text is one of a few shared prefixes, then its own part. */
const job = fc
  .record({
    where: fc.constantFrom<Where>("user", "result-string", "result-list"),
    prefixes: fc.array(text(900, 1600), { minLength: 1, maxLength: 2 }),
    requests: fc.array(
      fc.record({
        prefix: fc.nat(),
        own: text(1, 40),
        system: fc.boolean(),
        userMarker: fc.boolean(),
      }),
      { minLength: 3, maxLength: 14 },
    ),
  })
  .map(({ where, prefixes, requests }) => ({
    where,
    requests: requests.map((r, i): BatchRequest => {
      const content = `${prefixes[r.prefix % prefixes.length]}${r.own}`;
      const params: BatchRequest["params"] = {
        model: MODEL,
        max_tokens: 10,
        messages: messagesFor(where, content, r.userMarker),
      };
      if (r.system)
        params.system = [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }];
      return { custom_id: `r${i}`, params };
    }),
  }));

const blocksOf = (content: unknown): TextBlock[] =>
  typeof content === "string" ? [{ type: "text", text: content }] : (content as TextBlock[]);
const joined = (content: unknown) =>
  blocksOf(content)
    .map((b) => b.text)
    .join("");
const markersIn = (request: BatchRequest) =>
  (JSON.stringify(request).match(/cache_control/g) ?? []).length;

/** Requests split over all runs, per place: the property must exercise splitting everywhere. */
const splitRequests: Record<Where, number> = { user: 0, "result-string": 0, "result-list": 0 };

describe("plan({ splitText: true })", () => {
  it("keeps the text and everything else, splits only where it marks, alike across a group, within 4 markers", async () => {
    await fc.assert(
      fc.asyncProperty(job, async ({ where, requests: input }) => {
        const planned = await plan(input, { counter: createWordCounter(), splitText: true });
        const byId = new Map(input.map((r) => [r.custom_id, r]));
        const out = planned.batches.flatMap((b) => b.requests);
        expect(out).toHaveLength(input.length);
        for (const request of out) {
          const original = byId.get(request.custom_id)!;
          const before = blocksOf(holder(original.params, where));
          const after = blocksOf(holder(request.params, where));
          // The same text; no empty block; no broken surrogate pair.
          expect(joined(after)).toBe(joined(before));
          for (const b of after) {
            expect(b.text.length).toBeGreaterThan(0);
            expect(brokenPair(b.text)).toBe(false);
          }
          // Only marked blocks are split: every block added by a split ends with a marker.
          const added = after.length - before.length;
          if (added > 0) splitRequests[where] += 1;
          expect(added).toBeGreaterThanOrEqual(0);
          const splitParts = after.slice(0, added);
          for (const b of splitParts) expect(b.cache_control).toBeDefined();
          // Blocks after the split one are the original's.
          expect(after.slice(added + 1)).toEqual(before.slice(1));
          if (typeof holder(original.params, where) === "string" && added === 0) {
            // A string nobody marked stays a string (or one block carrying the one marker).
            const c = holder(request.params, where);
            expect(typeof c === "string" || blocksOf(c)[0]!.cache_control !== undefined).toBe(true);
          }
          // Everything else is unchanged.
          expect(rest(request.params, where)).toBe(rest(original.params, where));
          // The 4-marker budget counts split breakpoints.
          expect(markersIn(request)).toBeLessThanOrEqual(4);
        }
        // Identical splits across a group: each planner breakpoint's block, with everything before
        // it, is byte-identical in as many requests as the breakpoint covers.
        const outById = new Map(out.map((r) => [r.custom_id, r]));
        for (const group of planned.groups) {
          const bySegment = new Map<string, number[]>();
          for (const bp of group.breakpoints) {
            if (bp.origin !== "planner") continue;
            bySegment.set(bp.segment, [...(bySegment.get(bp.segment) ?? []), bp.requests]);
          }
          for (const [segment, counts] of bySegment) {
            const match = HOLDER_LABEL[where].exec(segment);
            if (!match) continue;
            const index = Number(match[1] ?? 0);
            const seen = new Map<string, number>();
            for (const id of group.customIds) {
              const blocks = blocksOf(holder(outById.get(id)!.params, where));
              if (blocks[index]?.cache_control === undefined) continue;
              const key = JSON.stringify(blocks.slice(0, index + 1));
              seen.set(key, (seen.get(key) ?? 0) + 1);
            }
            const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
            expect(sorted([...seen.values()].filter((n) => n > 1))).toEqual(
              sorted(counts.filter((n) => n > 1)),
            );
          }
        }
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  });

  it("exercised splitting in the runs above, in a user string and in tool_result content", () => {
    expect(splitRequests.user).toBeGreaterThan(NUM_RUNS / 4);
    expect(splitRequests["result-string"]).toBeGreaterThan(NUM_RUNS / 4);
    expect(splitRequests["result-list"]).toBeGreaterThan(NUM_RUNS / 4);
  });
});
