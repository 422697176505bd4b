/**
 * Issue 9 item 8: requests the API answers with a 400 that `validateRequest` used to accept and
 * the planner used to plan. Each is now a rejection whose reason names the field's path. Rules:
 * reference §1.1 (cache type), §1.5 (what can carry `cache_control`, message roles), §3 (TTL
 * order), §5.2 (`max_tokens` up to 300,000).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { validateRequest } from "../../src/exports/request.js";
import { type BatchRequest, type Plan, plan, readJsonl } from "../../src/index.js";
import { MAX_OUTPUT_TOKENS } from "../../src/targets/anthropic/index.js";
import { jsonl, tempDir } from "../helpers/jsonl.js";
import { request, text } from "../helpers/requests.js";
import { createWordCounter } from "../helpers/word-counter.js";

const dir = tempDir();
afterAll(() => dir.remove());

type Json = Record<string, unknown>;
const EPHEMERAL = { type: "ephemeral" };
const HOUR = { type: "ephemeral", ttl: "1h" };

let files = 0;
async function planLines(lines: unknown[], options: Parameters<typeof plan>[1] = {}) {
  files += 1;
  const file = dir.write(`rules-${files}.jsonl`, jsonl(lines));
  const result: Plan = await plan(readJsonl(file), { counter: createWordCounter(), ...options });
  return { result, file };
}

/** A request built from `params` overrides on top of a plain one. */
function withParams(id: string, extra: Json): BatchRequest {
  return request(id, { extra });
}

const thinking = { type: "thinking", thinking: "let me see", signature: "sig" };

// [name, request, kind, text the reason must contain (the field's path and the rule)]
const cases: Array<[string, BatchRequest, string, string[]]> = [
  [
    "max_tokens 1e300",
    request("huge", { max_tokens: 1e300 }),
    "invalid-field",
    ["`params.max_tokens`", "300,000"],
  ],
  [
    "max_tokens one above 300,000",
    request("over", { max_tokens: MAX_OUTPUT_TOKENS + 1 }),
    "invalid-field",
    ["`params.max_tokens` is 300,001"],
  ],
  [
    'role "robot"',
    request("robot", { messages: [{ role: "robot", content: "beep" }] }),
    "invalid-field",
    ['`params.messages[0].role` is the string "robot"', '"user" or "assistant"'],
  ],
  [
    'cache_control {type: "permanent"}',
    request("perm", { user: [{ type: "text", text: "x", cache_control: { type: "permanent" } }] }),
    "invalid-marker",
    ["`params.messages[0].content[0].cache_control.type`", '"ephemeral" is the only cache type'],
  ],
  [
    'cache_control ttl "2h"',
    request("ttl", {
      system: [{ type: "text", text: "s", cache_control: { type: "ephemeral", ttl: "2h" } }],
    }),
    "invalid-marker",
    ['`params.system[0].cache_control.ttl` is the string "2h"', '"5m"', '"1h"'],
  ],
  [
    'cache_control "yes"',
    request("yes", { user: [{ type: "text", text: "x", cache_control: "yes" }] }),
    "invalid-marker",
    ['`params.messages[0].content[0].cache_control` is the string "yes"'],
  ],
  [
    "a top-level cache_control that is not an object",
    withParams("top", { cache_control: true }),
    "invalid-marker",
    ["`params.cache_control` is boolean true"],
  ],
  [
    "a tool's cache_control with an unknown type",
    request("tool", {
      tools: [{ name: "t", input_schema: { type: "object" }, cache_control: { type: "forever" } }],
    }),
    "invalid-marker",
    ["`params.tools[0].cache_control.type`"],
  ],
  [
    "a marker on an empty text block",
    request("empty", {
      user: [text("question"), { type: "text", text: "", cache_control: EPHEMERAL }],
    }),
    "invalid-marker",
    ["`params.messages[0].content[1].cache_control`", "empty text block"],
  ],
  [
    "a marker on a thinking block",
    request("think", {
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [{ ...thinking, cache_control: EPHEMERAL }, text("a")] },
        { role: "user", content: "more" },
      ],
    }),
    "invalid-marker",
    ["`params.messages[1].content[0].cache_control`", "`thinking` block"],
  ],
  [
    "a marker on a redacted_thinking block",
    request("redacted", {
      messages: [
        { role: "user", content: "q" },
        {
          role: "assistant",
          content: [{ type: "redacted_thinking", data: "x", cache_control: HOUR }],
        },
        { role: "user", content: "more" },
      ],
    }),
    "invalid-marker",
    ["`params.messages[1].content[0].cache_control`", "`redacted_thinking` block"],
  ],
  [
    "a 1h marker after a 5m one",
    request("order", { system: [text("s", "5m")], user: [text("u", "1h")] }),
    "conflicting-markers",
    [
      "`params.messages[0].content[0].cache_control`",
      "`params.system[0].cache_control`",
      "1h markers must come before 5m ones",
    ],
  ],
  [
    "a top-level 1h marker after a 5m block marker (on another block)",
    withParams("top-order", {
      system: [text("s", "5m")],
      messages: [{ role: "user", content: [text("u")] }],
      cache_control: HOUR,
    }),
    "conflicting-markers",
    [
      "`params.cache_control` asks for a 1h TTL after the 5m marker `params.system[0].cache_control`",
    ],
  ],
  [
    "a message-level cache_control",
    request("msg", { messages: [{ role: "user", content: "hi", cache_control: EPHEMERAL }] }),
    "invalid-marker",
    ["`params.messages[0].cache_control` is on the message itself", "content blocks"],
  ],
];

describe("requests the API answers with a 400 are rejected (issue 9 item 8)", () => {
  for (const [name, bad, kind, parts] of cases) {
    it(`rejects ${name}, naming the field`, async () => {
      const { result, file } = await planLines([request("first"), bad, request("last")]);
      expect(result.rejected).toHaveLength(1);
      const r = result.rejected[0]!;
      expect(r).toMatchObject({ line: 2, source: file, kind, custom_id: bad.custom_id });
      for (const part of parts) expect(r.reason).toContain(part);
      const planned = result.batches.flatMap((b) => b.requests.map((x) => x.custom_id));
      expect(planned.sort()).toEqual(["first", "last"]);
    });
  }

  it("estimate no longer sees a 300-digit max_tokens", async () => {
    const { result } = await planLines([request("huge", { max_tokens: 1e300 })]);
    expect(result.summary.planned).toBe(0);
  });
});

describe("what stays accepted", () => {
  const accepted: Array<[string, BatchRequest]> = [
    ["max_tokens 300,000", request("max", { max_tokens: MAX_OUTPUT_TOKENS })],
    [
      'a mid-conversation role "system" message (reference §1.5)',
      request("sys", {
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: "a" },
          { role: "system", content: [text("be brief")] },
          { role: "user", content: "q2" },
        ],
      }),
    ],
    [
      "cache_control null (the SDK types allow it)",
      request("null", { user: [{ type: "text", text: "x", cache_control: null }] }),
    ],
    [
      'ttl "5m" written out',
      request("5m", {
        user: [{ type: "text", text: "x", cache_control: { type: "ephemeral", ttl: "5m" } }],
      }),
    ],
    [
      "1h markers before 5m ones",
      request("ok-order", {
        tools: [{ name: "t", input_schema: { type: "object" }, cache_control: HOUR }],
        system: [text("s", "1h")],
        user: [text("u", "5m")],
      }),
    ],
    [
      "a top-level 5m marker after 1h block markers",
      withParams("top-ok", { system: [text("s", "1h")], cache_control: EPHEMERAL }),
    ],
    [
      "a thinking block without a marker",
      request("think-ok", {
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: [thinking, text("a", "5m")] },
          { role: "user", content: "more" },
        ],
      }),
    ],
  ];
  for (const [name, req] of accepted) {
    it(`accepts ${name}`, () => {
      expect(validateRequest(req)).toMatchObject({ ok: true });
    });
  }
});

describe("--user-markers replace removes every marker, a message-level one included", () => {
  it("plans such requests with none of their markers left", async () => {
    const lines = cases.filter(([, , kind]) => kind !== "invalid-field").map(([, req]) => req);
    const { result } = await planLines(lines, { userMarkers: "replace", strategy: "none" });
    expect(result.rejected).toEqual([]);
    for (const batch of result.batches) {
      for (const req of batch.requests) expect(JSON.stringify(req)).not.toContain("cache_control");
    }
  });

  it("strips a message-level cache_control that the planner would otherwise send", async () => {
    const msg = request("msg", {
      messages: [{ role: "user", content: "hi", cache_control: EPHEMERAL }],
    });
    const { result } = await planLines([msg], { userMarkers: "replace" });
    const sent = result.batches[0]!.requests[0]!.params.messages[0] as unknown as Json;
    expect(sent).not.toHaveProperty("cache_control");
    expect(sent.content).toEqual("hi");
  });
});

// ---------------------------------------------------------------------------------------------
// Property: nothing validateRequest accepts (markers kept) has one of these shapes.

/** The shapes above, checked independently of src/: a description of the first found, or null. */
function forbiddenShape(req: BatchRequest): string | null {
  const params = req.params as unknown as Json;
  const max = params.max_tokens as number;
  if (!(Number.isInteger(max) && max >= 1 && max <= 300_000)) return "max_tokens";
  const ttls: string[] = [];
  const marker = (m: unknown): string | null => {
    if (m === undefined || m === null) return null;
    if (typeof m !== "object" || Array.isArray(m)) return "marker not an object";
    const { type, ttl } = m as Json;
    if (type !== "ephemeral") return "marker type";
    if (ttl !== undefined && ttl !== "5m" && ttl !== "1h") return "marker ttl";
    ttls.push(ttl === "1h" ? "1h" : "5m");
    return null;
  };
  for (const t of (params.tools as Json[] | undefined) ?? []) {
    const bad = marker(t.cache_control);
    if (bad) return bad;
  }
  const blocks: Json[] = Array.isArray(params.system) ? (params.system as Json[]) : [];
  for (const m of params.messages as Json[]) {
    if (!["user", "assistant", "system"].includes(m.role as string)) return "role";
    if ("cache_control" in m) return "message-level marker";
    if (Array.isArray(m.content)) blocks.push(...(m.content as Json[]));
  }
  for (const b of blocks) {
    const bad = marker(b.cache_control);
    if (bad) return bad;
    if (b.cache_control != null) {
      if (b.type === "thinking" || b.type === "redacted_thinking") return "marker on thinking";
      if (b.type === "text" && b.text === "") return "marker on empty text";
    }
  }
  const top = marker(params.cache_control);
  if (top) return top;
  const first5m = ttls.indexOf("5m");
  if (first5m !== -1 && ttls.slice(first5m).includes("1h")) return "1h after 5m";
  return null;
}

// Mostly valid parts, so that many whole requests are valid and the property has teeth.
const markerArb = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 12 },
  {
    arbitrary: fc.constantFrom<unknown>(null, EPHEMERAL, HOUR, { type: "ephemeral", ttl: "5m" }),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom<unknown>(
      { type: "permanent" },
      { type: "ephemeral", ttl: "2h" },
      "yes",
      true,
      1,
      [],
    ),
    weight: 1,
  },
);
const withMarker = (block: Json, m: unknown): Json =>
  m === undefined ? block : { ...block, cache_control: m };
const blockArb = fc
  .tuple(
    fc.oneof(
      { arbitrary: fc.constant<Json>({ type: "text", text: "some text" }), weight: 4 },
      {
        arbitrary: fc.constantFrom<Json>(
          { type: "text", text: "" },
          thinking,
          { type: "redacted_thinking", data: "x" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "AA==" } },
        ),
        weight: 1,
      },
    ),
    markerArb,
  )
  .map(([b, m]) => withMarker(b, m));
const messageArb = fc
  .tuple(
    fc.oneof(
      { arbitrary: fc.constantFrom("user", "assistant", "system"), weight: 6 },
      { arbitrary: fc.constantFrom("robot", "User", ""), weight: 1 },
    ),
    fc.oneof(fc.constant<unknown>("plain"), fc.array(blockArb, { minLength: 1, maxLength: 3 })),
    markerArb,
  )
  .map(([role, content, m]) => withMarker({ role, content }, m));
const requestArb = fc
  .record({
    max_tokens: fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 300_000 }), weight: 6 },
      { arbitrary: fc.constantFrom(1e300, 300_000, 300_001, 2 ** 53), weight: 1 },
    ),
    tools: fc.array(
      markerArb.map((m) => withMarker({ name: "t", input_schema: { type: "object" } }, m)),
      { maxLength: 2 },
    ),
    system: fc.array(blockArb, { maxLength: 2 }),
    messages: fc.array(messageArb, { minLength: 1, maxLength: 3 }),
    top: markerArb,
  })
  .map(({ max_tokens, tools, system, messages, top }) =>
    withParams("p", {
      max_tokens,
      ...(tools.length > 0 ? { tools } : {}),
      ...(system.length > 0 ? { system } : {}),
      messages,
      ...(top === undefined ? {} : { cache_control: top }),
    }),
  );

describe("property", () => {
  it("a request validateRequest accepts never holds a shape the API rejects", () => {
    let acceptedCount = 0;
    fc.assert(
      fc.property(requestArb, (req) => {
        const check = validateRequest(req);
        if (check.ok) {
          acceptedCount += 1;
          expect(forbiddenShape(req)).toBeNull();
        }
      }),
      { numRuns: 3000, endOnFailure: true },
    );
    expect(acceptedCount).toBeGreaterThan(300); // the property did test accepted requests
  });

  it("and rejects every request that holds one, naming a field path", () => {
    fc.assert(
      fc.property(requestArb, (req) => {
        const shape = forbiddenShape(req);
        const check = validateRequest(req);
        if (shape !== null) {
          expect(check.ok).toBe(false);
          // Every reason names its field, except the count of markers, which is about them all.
          if (!check.ok && check.kind !== "too-many-markers") {
            expect(check.reason).toMatch(/`params\./);
          }
        }
      }),
      { numRuns: 3000, endOnFailure: true },
    );
  });
});
