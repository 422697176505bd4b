/**
 * Rejections: every reason a request is not planned gets a `kind`, a message that says what is
 * wrong and what to do (STYLE item 13), and, through `plan()` over `readJsonl`, the file, line
 * and `custom_id` it came from. Rules: reference facts 2, 11, 12, 13.
 */
import { afterAll, describe, expect, it } from "vitest";
import { validateRequest } from "../../src/exports/request.js";
import { type Plan, plan, type RejectedRequest, readJsonl } from "../../src/index.js";
import { CUSTOM_ID_PATTERN, MAX_BREAKPOINTS } from "../../src/targets/anthropic/index.js";
import { jsonl, tempDir } from "../helpers/jsonl.js";
import { request, text } from "../helpers/requests.js";
import { createWordCounter } from "../helpers/word-counter.js";

const dir = tempDir();
afterAll(() => dir.remove());

let files = 0;
/** Plans a JSONL file with these lines (objects are serialised, strings written as they are). */
async function planLines(
  lines: unknown[],
  options: Parameters<typeof plan>[1] = {},
  eol = "\n",
): Promise<{ result: Plan; path: string }> {
  files += 1;
  const path = dir.write(`job-${files}.jsonl`, jsonl(lines, eol));
  const result = await plan(readJsonl(path), { counter: createWordCounter(), ...options });
  return { result, path };
}

const ok = (id: string) => request(id);

/** Plans `[ok, bad, ok]` from a file and returns the one rejection, checking line and source. */
async function rejectionOf(bad: unknown, options: Parameters<typeof plan>[1] = {}) {
  const { result, path } = await planLines([ok("first"), bad, ok("last")], options);
  expect(result.summary).toMatchObject({ inputRequests: 3, planned: 2, rejected: 1 });
  expect(result.rejected).toHaveLength(1);
  const r = result.rejected[0]!;
  expect(r.line).toBe(2);
  expect(r.source).toBe(path);
  const planned = result.batches.flatMap((b) => b.requests.map((x) => x.custom_id));
  expect(planned.sort()).toEqual(["first", "last"]);
  return r;
}

function withParams(id: string, change: (params: Record<string, unknown>) => void): unknown {
  const req = structuredClone(request(id)) as unknown as { params: Record<string, unknown> };
  change(req.params);
  return req;
}

describe("bad JSON", () => {
  it("rejects the line with its number and the parser's message, and keeps going", async () => {
    const r = await rejectionOf('{"custom_id": "broken", "params": {');
    expect(r.kind).toBe("invalid-json");
    expect(r).not.toHaveProperty("custom_id");
    expect(r.reason).toMatch(/^Not valid JSON: .+/);
    expect(r.reason).toContain("Each line must hold one request object");
  });

  it("rejects a line that is JSON but not an object", async () => {
    const r = await rejectionOf("[1, 2, 3]");
    expect(r.kind).toBe("not-an-object");
    expect(r.reason).toContain('{"custom_id": "...", "params": {...}}');
    expect(r.reason).toContain("an array");
  });
});

describe("custom_id", () => {
  // Reference fact 12: ^[a-zA-Z0-9_-]{1,64}$.
  it("uses the API's pattern", () => {
    expect(CUSTOM_ID_PATTERN.source).toBe("^[a-zA-Z0-9_-]{1,64}$");
  });

  it("accepts 64 characters of letters, digits, - and _", () => {
    const id = `${"a".repeat(60)}-_Z9`;
    expect(id).toHaveLength(64);
    expect(validateRequest(request(id))).toMatchObject({ ok: true });
  });

  const cases: Array<[string, unknown, string]> = [
    ["too long (65 characters)", "a".repeat(65), JSON.stringify("a".repeat(65))],
    ["with a space", "has space", '"has space"'],
    ["with a dot", "a.b", '"a.b"'],
    ["empty", "", '""'],
    ["a number", 123, "number 123"],
    ["null", null, "null"],
  ];
  for (const [name, id, shown] of cases) {
    it(`rejects a custom_id that is ${name}, naming the value and the rule`, async () => {
      const bad = { custom_id: id, params: request("x").params };
      const r = await rejectionOf(bad);
      expect(r.kind).toBe("invalid-custom-id");
      expect(r.reason).toContain(`\`custom_id\` ${shown} is invalid`);
      expect(r.reason).toContain("1 to 64 characters of letters, digits, `-` and `_`");
    });
  }

  it("rejects a missing custom_id", async () => {
    const r = await rejectionOf({ params: request("x").params });
    expect(r.kind).toBe("invalid-custom-id");
    expect(r).not.toHaveProperty("custom_id");
    expect(r.reason).toContain("`custom_id`");
    expect(r.reason).toContain("1 to 64 characters");
  });

  it("shortens a very long custom_id in the message", () => {
    const check = validateRequest({ custom_id: "b".repeat(500), params: request("x").params });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.reason).toContain(`"${"b".repeat(80)}…"`);
    expect(check.reason).not.toContain("b".repeat(81));
  });
});

describe("duplicate custom_id", () => {
  it("keeps the first, rejects the second and names the first line", async () => {
    const { result, path } = await planLines([ok("a"), "", ok("dup"), ok("b"), ok("dup")]);
    expect(result.rejected).toEqual([
      {
        line: 5,
        source: path,
        custom_id: "dup",
        kind: "duplicate-custom-id",
        reason: expect.stringContaining("already used on line 3") as unknown as string,
      },
    ]);
    expect(result.rejected[0]!.reason).toContain("Rename one");
    const planned = result.batches.flatMap((b) => b.requests);
    expect(planned.filter((r) => r.custom_id === "dup")).toHaveLength(1);
  });

  it("counts positions when the input is an array", async () => {
    const result = await plan([ok("x"), ok("x")], { counter: createWordCounter() });
    expect(result.rejected).toMatchObject([
      { line: 2, custom_id: "x", kind: "duplicate-custom-id" },
    ]);
    expect(result.rejected[0]!.reason).toContain("line 1");
  });
});

describe("missing or invalid fields", () => {
  for (const field of ["model", "max_tokens", "messages"] as const) {
    it(`rejects a request without params.${field}`, async () => {
      const r = await rejectionOf(withParams("bad", (p) => delete p[field]));
      expect(r).toMatchObject({ kind: "missing-field", custom_id: "bad" });
      expect(r.reason).toContain(`\`params.${field}\` is missing`);
      expect(r.reason).toContain("every batch request needs `model`, `max_tokens` and `messages`");
    });
  }

  it("rejects a request without params", async () => {
    const r = await rejectionOf({ custom_id: "bad" });
    expect(r).toMatchObject({ kind: "missing-field", custom_id: "bad" });
    expect(r.reason).toContain("`params` is missing");
  });

  it("rejects an empty messages array", async () => {
    const r = await rejectionOf(withParams("bad", (p) => (p.messages = [])));
    expect(r).toMatchObject({ kind: "invalid-field", custom_id: "bad" });
    expect(r.reason).toContain("`params.messages` must be a non-empty array");
  });

  it("rejects a non-integer max_tokens", async () => {
    const r = await rejectionOf(withParams("bad", (p) => (p.max_tokens = 1.5)));
    expect(r).toMatchObject({ kind: "invalid-field", custom_id: "bad" });
    expect(r.reason).toContain("`params.max_tokens` must be a positive integer, got number 1.5");
  });

  it("rejects a content block without a type", async () => {
    const r = await rejectionOf(
      withParams("bad", (p) => (p.messages = [{ role: "user", content: [{ text: "x" }] }])),
    );
    expect(r).toMatchObject({ kind: "invalid-field", custom_id: "bad" });
    expect(r.reason).toContain("`params.messages[0].content[0]`");
  });
});

describe("fields a batch does not allow (reference fact 13)", () => {
  it("rejects stream: true", async () => {
    const r = await rejectionOf(withParams("streamy", (p) => (p.stream = true)));
    expect(r).toMatchObject({ kind: "stream-not-allowed", custom_id: "streamy" });
    expect(r.reason).toContain("`params.stream` is true");
    expect(r.reason).toContain("remove `stream`");
  });

  it("accepts stream: false", () => {
    expect(validateRequest(withParams("s", (p) => (p.stream = false)))).toMatchObject({ ok: true });
  });

  it("rejects speed", async () => {
    const r = await rejectionOf(withParams("fast", (p) => (p.speed = "fast")));
    expect(r).toMatchObject({ kind: "speed-not-allowed", custom_id: "fast" });
    expect(r.reason).toContain("`params.speed` is set");
    expect(r.reason).toContain("remove `speed`");
  });

  it("rejects max_tokens: 0", async () => {
    const r = await rejectionOf(withParams("zero", (p) => (p.max_tokens = 0)));
    expect(r).toMatchObject({ kind: "max-tokens-zero", custom_id: "zero" });
    expect(r.reason).toContain("`params.max_tokens` is 0");
    expect(r.reason).toContain("set it to at least 1");
  });
});

describe("too many markers (reference fact 2)", () => {
  const fourBlocks = [text("a", "5m"), text("b", "5m"), text("c", "5m"), text("d", "5m")];

  it("allows 4", () => {
    expect(MAX_BREAKPOINTS).toBe(4);
    expect(validateRequest(request("four", { user: fourBlocks }))).toMatchObject({
      ok: true,
      markers: 4,
    });
  });

  it("rejects 5 block markers", async () => {
    const r = await rejectionOf(request("five", { user: [...fourBlocks, text("e", "1h")] }));
    expect(r).toMatchObject({ kind: "too-many-markers", custom_id: "five" });
    expect(r.reason).toContain("already has 5 `cache_control` markers");
    expect(r.reason).toContain("the API allows 4");
    expect(r.reason).toContain('`userMarkers: "replace"`');
  });

  it("counts the top-level cache_control as one of the 4", async () => {
    const bad = request("top", {
      user: fourBlocks,
      extra: { cache_control: { type: "ephemeral" } },
    });
    const r = await rejectionOf(bad);
    expect(r).toMatchObject({ kind: "too-many-markers", custom_id: "top" });
    expect(r.reason).toContain("already has 5");
    expect(r.reason).toContain("a top-level one counts too");
  });

  it("counts markers on tools and system blocks", () => {
    const req = request("mix", {
      tools: [
        { name: "t", input_schema: { type: "object" }, cache_control: { type: "ephemeral" } },
      ],
      system: [text("s", "1h"), text("s2", "1h")],
      user: [text("u", "5m"), text("v", "5m")],
    });
    const check = validateRequest(req);
    expect(check).toMatchObject({ ok: false, kind: "too-many-markers" });
  });

  it('validateRequest does not count markers that "replace" will remove', () => {
    const five = request("five", { user: [...fourBlocks, text("e", "5m")] });
    expect(validateRequest(five, { userMarkers: "replace" })).toMatchObject({
      ok: true,
      markers: 5,
    });
    expect(validateRequest(five, { userMarkers: "keep" })).toMatchObject({
      ok: false,
      kind: "too-many-markers",
    });
  });

  it('with userMarkers: "replace", as the message advises, 5 markers are removed and the request is planned', async () => {
    const five = request("five", {
      user: [...fourBlocks, text("e", "5m")],
      extra: { cache_control: { type: "ephemeral" } },
    });
    const { result } = await planLines([five], { userMarkers: "replace" });
    expect(result.rejected).toEqual([]);
    expect(result.summary.markersRemoved).toBe(6);
    expect(JSON.stringify(result.batches[0]!.requests[0])).not.toContain("cache_control");
  });
});

describe("a request larger than maxBytes (reference fact 11)", () => {
  it("is rejected with its size, the limit and what to do", async () => {
    const big = request("big", { user: "x".repeat(2000) });
    const r = await rejectionOf(big, { maxBytes: 1024 });
    const size = Buffer.byteLength(JSON.stringify(big));
    expect(r).toMatchObject({ kind: "too-large", custom_id: "big" });
    expect(r.reason).toContain(`The request is ${size.toLocaleString("en-US")} bytes`);
    expect(r.reason).toContain("`maxBytes` 1,024");
    expect(r.reason).toContain("Shrink it or raise `maxBytes`");
  });
});

describe("reading JSONL", () => {
  it("skips blank lines but counts them for line numbers", async () => {
    const { result } = await planLines([
      "",
      ok("a"),
      "   ",
      "",
      withParams("z", (p) => (p.max_tokens = 0)),
    ]);
    expect(result.summary.inputRequests).toBe(2);
    expect(result.rejected.map((r: RejectedRequest) => [r.line, r.custom_id])).toEqual([[5, "z"]]);
  });

  it("ignores a byte-order mark on line 1", async () => {
    const path = dir.write(
      "bom.jsonl",
      `\uFEFF${JSON.stringify(ok("a"))}\n${JSON.stringify(ok("b"))}\n`,
    );
    const result = await plan(readJsonl(path), { counter: createWordCounter() });
    expect(result.rejected).toEqual([]);
    expect(result.summary.planned).toBe(2);
  });

  it("reads CRLF line endings", async () => {
    const { result } = await planLines(
      [ok("a"), "", "{not json", withParams("s", (p) => (p.stream = true)), ok("b")],
      {},
      "\r\n",
    );
    expect(result.summary).toMatchObject({ inputRequests: 4, planned: 2, rejected: 2 });
    expect(result.rejected.map((r) => [r.line, r.kind])).toEqual([
      [3, "invalid-json"],
      [4, "stream-not-allowed"],
    ]);
    const ids = result.batches.flatMap((b) => b.requests.map((r) => r.custom_id));
    expect(ids.sort()).toEqual(["a", "b"]);
  });

  it("lists rejections in line order, each once", async () => {
    const { result } = await planLines([
      "oops",
      ok("a"),
      withParams("m", (p) => delete p.model),
      ok("a"),
      { custom_id: "bad id", params: {} },
    ]);
    expect(result.rejected.map((r) => [r.line, r.kind])).toEqual([
      [1, "invalid-json"],
      [3, "missing-field"],
      [4, "duplicate-custom-id"],
      [5, "invalid-custom-id"],
    ]);
    expect(result.summary.planned + result.summary.rejected).toBe(result.summary.inputRequests);
  });
});

describe("validateRequest: marker conflicts and a missing custom_id", () => {
  const base = {
    model: "claude-opus-5-5",
    max_tokens: 10,
    messages: [
      {
        role: "user",
        content: [{ type: "text", text: "hi", cache_control: { type: "ephemeral" } }],
      },
    ],
  };

  it("rejects a top-level cache_control whose TTL differs from the last block's (a 400)", () => {
    const check = validateRequest({
      custom_id: "c",
      params: { ...base, cache_control: { type: "ephemeral", ttl: "1h" } },
    });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.kind).toBe("conflicting-markers");
    expect(check.reason).toContain("ttl 1h");
    expect(check.reason).toContain("ttl 5m");
    expect(check.reason).toContain("--user-markers replace");
  });

  it("accepts the same TTL on both, and the conflict under userMarkers: replace", () => {
    expect(
      validateRequest({ custom_id: "c", params: { ...base, cache_control: { type: "ephemeral" } } })
        .ok,
    ).toBe(true);
    const replaced = validateRequest(
      { custom_id: "c", params: { ...base, cache_control: { type: "ephemeral", ttl: "1h" } } },
      { userMarkers: "replace" },
    );
    expect(replaced.ok).toBe(true);
  });

  it("says a missing custom_id is missing", () => {
    const check = validateRequest({ params: base });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(/^`custom_id` is missing/);
  });
});

describe("validateRequest: the first wrong marker in prefix order is the one named", () => {
  const bad = { type: "ephemeral", ttl: "2h" };
  const message = (content: unknown, extra: Record<string, unknown> = {}) => ({
    role: "user",
    content,
    ...extra,
  });
  const reasonOf = (messages: unknown[]) => {
    const check = validateRequest({
      custom_id: "c",
      params: { model: "claude-opus-5-5", max_tokens: 10, messages },
    });
    return check.ok ? "" : check.reason;
  };

  it("a message-level marker is checked between the blocks of the messages before and after it", () => {
    const onMessage1 = { cache_control: { type: "ephemeral" } };
    // A bad block marker before the message-level one is named first…
    expect(
      reasonOf([
        message([{ type: "text", text: "a", cache_control: bad }]),
        message("b", onMessage1),
      ]),
    ).toMatch(/^`params\.messages\[0\]\.content\[0\]\.cache_control\.ttl`/);
    // …and one after it comes second, also when the message has no blocks at all.
    expect(
      reasonOf([
        message("a"),
        message("b", onMessage1),
        message([{ type: "text", text: "c", cache_control: bad }]),
      ]),
    ).toMatch(/^`params\.messages\[1\]\.cache_control` is on the message itself/);
    expect(reasonOf([message("a"), message([], onMessage1)])).toMatch(
      /^`params\.messages\[1\]\.cache_control` is on the message itself/,
    );
  });
});
