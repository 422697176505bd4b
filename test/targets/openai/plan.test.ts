import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cacheableTokens, cacheModeOf, planOpenAI } from "../../../src/targets/openai/index.js";
import { chat, jsonl, prose, responses } from "./_lines.js";

const SHARED = prose(3000, 1);

describe("OpenAI cache mode per model family (reference §4.6)", () => {
  it("explicit from GPT-5.6 on, automatic GPT-5 to 5.5, none before GPT-5 or unknown", () => {
    expect(cacheModeOf("gpt-5.6-luna")).toBe("explicit");
    expect(cacheModeOf("gpt-6-astra")).toBe("explicit");
    expect(cacheModeOf("gpt-5")).toBe("automatic");
    expect(cacheModeOf("gpt-5.5")).toBe("automatic");
    expect(cacheModeOf("gpt-5-mini-2025-08-07")).toBe("automatic");
    expect(cacheModeOf("gpt-4.1")).toBe("none");
    expect(cacheModeOf("gpt-4o-mini")).toBe("none");
    expect(cacheModeOf("o4-mini")).toBe("none");
  });
  it("automatic hits count in 128-token steps from 1,024", () => {
    expect(cacheableTokens(1023)).toBe(0);
    expect(cacheableTokens(1024)).toBe(1024);
    expect(cacheableTokens(1151)).toBe(1024);
    expect(cacheableTokens(1152)).toBe(1152);
  });
});

describe("planOpenAI input", () => {
  it("plans the documented example line (OA-B) and says a pre-GPT-5 model gets no batch caching, naming Flex", async () => {
    const line = {
      custom_id: "request-1",
      method: "POST",
      url: "/v1/chat/completions",
      body: {
        model: "gpt-3.5-turbo-0125",
        messages: [
          { role: "system", content: "You are a helpful assistant." },
          { role: "user", content: "Hello world!" },
        ],
        max_tokens: 1000,
      },
    };
    const p = await planOpenAI([line]);
    expect(p.summary).toMatchObject({ planned: 1, rejected: 0, batches: 1 });
    expect(p.batches[0]!.requests[0]).toEqual(line);
    const w = p.warnings.find((x) => x.kind === "no-batch-caching");
    expect(w?.message).toMatch(/Flex/);
  });

  it("rejects every bad line with its line, custom_id and reason; plans the rest", async () => {
    const good = chat("ok", "gpt-5-mini", "sys", "hi");
    const lines = [
      JSON.stringify(good),
      "{not json",
      JSON.stringify({ ...good, custom_id: "m", method: "GET" }),
      JSON.stringify({ ...good, custom_id: "u", url: "/v1/embeddings" }),
      JSON.stringify({ ...good, custom_id: undefined }),
      JSON.stringify(good),
      JSON.stringify(chat("s", "gpt-5-mini", "sys", "hi", { stream: true })),
      JSON.stringify({ ...good, custom_id: "x", extra: 1 }),
      JSON.stringify(
        chat("bp", "gpt-5-mini", "sys", "hi", {
          messages: [
            {
              role: "user",
              content: [{ type: "text", text: "a", prompt_cache_breakpoint: { mode: "explicit" } }],
            },
          ],
        }),
      ),
      JSON.stringify(chat("mt", "gpt-5-mini", "sys", "hi", { max_completion_tokens: 0 })),
      JSON.stringify({
        custom_id: "r",
        method: "POST",
        url: "/v1/responses",
        body: { model: "gpt-5" },
      }),
    ];
    const bad = Buffer.concat([
      Buffer.from(`${lines.join("\n")}\n`),
      Buffer.from([0x7b, 0xff, 0x7d, 0x0a]),
      Buffer.from(`${"[".repeat(200)}${"]".repeat(200)}\n`),
    ]);
    const p = await planOpenAI(jsonl(bad));
    expect(p.summary.planned).toBe(1);
    const got = p.rejected.map((r) => [r.line, r.custom_id ?? null, r.kind]);
    expect(got).toEqual([
      [2, null, "invalid-json"],
      [3, "m", "invalid-field"],
      [4, "u", "invalid-field"],
      [5, null, "missing-field"],
      [6, "ok", "duplicate-custom-id"],
      [7, "s", "stream-not-allowed"],
      [8, "x", "invalid-field"],
      [9, "bp", "invalid-marker"],
      [10, "mt", "invalid-field"],
      [11, "r", "missing-field"],
      [12, null, "invalid-utf8"],
      [13, null, "too-deep"],
    ]);
    for (const r of p.rejected) {
      expect(r.source).toBe("in.jsonl");
      expect(r.reason.length).toBeGreaterThan(20);
    }
  });

  it("refuses more than 4 prompt_cache_breakpoints on a GPT-5.6 request", async () => {
    const parts = Array.from({ length: 5 }, (_, i) => ({
      type: "text",
      text: `p${i}`,
      prompt_cache_breakpoint: { mode: "explicit" },
    }));
    const p = await planOpenAI([
      chat("five", "gpt-5.6-luna", "s", "u", { messages: [{ role: "user", content: parts }] }),
    ]);
    expect(p.rejected[0]).toMatchObject({ custom_id: "five", kind: "too-many-markers" });
  });
});

describe("planOpenAI automatic caching (GPT-5 to 5.5)", () => {
  it("groups requests sharing a long prefix contiguously with one prompt_cache_key, no breakpoints", async () => {
    const other = prose(2000, 2);
    const input = Array.from({ length: 12 }, (_, i) =>
      chat(`r${i}`, "gpt-5-mini", i % 2 === 0 ? SHARED : other, `question ${i}`),
    );
    input.push(chat("lone", "gpt-5-mini", "short system", "q"));
    const p = await planOpenAI(input);
    expect(p.groups).toHaveLength(2);
    expect(p.groups.every((g) => g.cacheMode === "automatic" && g.breakpoints.length === 0)).toBe(
      true,
    );
    expect(p.groups[0]!.sharedTokens % 128).toBe(0);
    const lines = p.batches.flatMap((b) => b.requests);
    const ids = lines.map((l) => l.custom_id);
    // Leaders first: each group's first request at the front, then the request in no group, then
    // each group's others, contiguous.
    expect(ids.slice(0, 3)).toEqual([p.groups[0]!.customIds[0], p.groups[1]!.customIds[0], "lone"]);
    for (const g of p.groups) {
      const rest = g.customIds.slice(1);
      const at = ids.indexOf(rest[0]!);
      expect(ids.slice(at, at + rest.length)).toEqual(rest);
      for (const l of lines.filter((x) => g.customIds.includes(x.custom_id)))
        expect(l.body.prompt_cache_key).toBe(g.promptCacheKey);
    }
    expect(p.groups[0]!.promptCacheKey).not.toBe(p.groups[1]!.promptCacheKey);
    expect(lines.find((l) => l.custom_id === "lone")!.body.prompt_cache_key).toBeUndefined();
    expect(JSON.stringify(lines)).not.toMatch(/prompt_cache_breakpoint/);
    expect(p.summary.waves).toBe(1);
    expect(p.notes.join(" ")).toMatch(/prompt_cache_key.*not documented/);
  });

  it("keeps a user's prompt_cache_key (and never groups requests with different keys)", async () => {
    const input = Array.from({ length: 4 }, (_, i) =>
      chat(`r${i}`, "gpt-5", SHARED, `q${i}`, { prompt_cache_key: i < 2 ? "mine-a" : "mine-b" }),
    );
    const p = await planOpenAI(input);
    expect(p.groups.map((g) => [g.promptCacheKey, g.keyOrigin, g.requests])).toEqual([
      ["mine-a", "user", 2],
      ["mine-b", "user", 2],
    ]);
  });

  it("flags prefix drift: a date early in an otherwise shared system prompt", async () => {
    const input = Array.from({ length: 6 }, (_, i) =>
      chat(`d${i}`, "gpt-5", `Today is 2026-11-${String(10 + i)}. ${SHARED}`, `q${i}`),
    );
    const p = await planOpenAI(input);
    const drift = p.warnings.find((w) => w.kind === "prefix-drift");
    expect(drift?.message).toMatch(/2026-11-1/);
    expect(drift?.message).toMatch(/routing/);
    expect(p.groups).toHaveLength(0);
  });
});

describe("planOpenAI explicit caching (GPT-5.6+)", () => {
  it("puts identical breakpoints on the shared prefix, explicit mode on every request, a primer in wave 0", async () => {
    const input = Array.from({ length: 20 }, (_, i) =>
      chat(`e${i}`, "gpt-5.6-luna", SHARED, `q${i}`),
    );
    const p = await planOpenAI(input);
    expect(p.groups).toHaveLength(1);
    const g = p.groups[0]!;
    expect(g.breakpoints).toHaveLength(1);
    expect(g.breakpoints[0]).toMatchObject({
      segment: "messages[0].content",
      mode: "primed",
      expectedWrites: 1,
      expectedReads: 19,
    });
    expect(g.primers).toEqual(["e0"]);
    expect(p.batches.map((b) => [b.wave, b.requestCount])).toEqual([
      [0, 1],
      [1, 19],
    ]);
    for (const line of p.batches.flatMap((b) => b.requests)) {
      const sys = (line.body.messages as { content: unknown }[])[0]!.content;
      expect(sys).toEqual([
        { type: "text", text: SHARED, prompt_cache_breakpoint: { mode: "explicit" } },
      ]);
      expect(line.body.prompt_cache_options).toEqual({ mode: "explicit" });
    }
  });

  it("with one wave (cold), a small group does not pay for its writes and gets no breakpoint", async () => {
    const input = Array.from({ length: 5 }, (_, i) =>
      chat(`c${i}`, "gpt-5.6-luna", SHARED, `q${i}`),
    );
    const p = await planOpenAI(input, { strategy: "cold" });
    expect(p.groups).toHaveLength(0);
    // No implicit breakpoint either: unique requests are not written at 1.25×.
    for (const line of p.batches[0]!.requests)
      expect(line.body.prompt_cache_options).toEqual({ mode: "explicit" });
  });

  it("a Responses request: breakpoint on the input made a part, after tools and instructions", async () => {
    const input = Array.from({ length: 6 }, (_, i) =>
      responses(`x${i}`, "gpt-5.6-luna", SHARED, `q${i}`),
    );
    input.forEach((l, i) => {
      (l.body as Record<string, unknown>).input = [
        {
          role: "user",
          content: [
            { type: "input_text", text: SHARED },
            { type: "input_text", text: `q${i}` },
          ],
        },
      ];
      (l.body as Record<string, unknown>).instructions = "Be brief.";
    });
    const p = await planOpenAI(input);
    expect(p.groups[0]!.breakpoints[0]!.segment).toBe("input[0].content[0]");
  });
});

describe("planOpenAI files", () => {
  it("one model and one endpoint per file, under maxRequests, maxBytes and maxEnqueuedTokens", async () => {
    const input = [
      ...Array.from({ length: 7 }, (_, i) => chat(`a${i}`, "gpt-5", SHARED, `q${i}`)),
      ...Array.from({ length: 5 }, (_, i) => chat(`b${i}`, "gpt-4.1", "s", `q${i}`)),
      ...Array.from({ length: 4 }, (_, i) => responses(`c${i}`, "gpt-5", "s", `q${i}`)),
    ];
    const p = await planOpenAI(input, { maxRequests: 3, maxEnqueuedTokens: 4000 });
    for (const b of p.batches) {
      expect(new Set(b.requests.map((r) => `${r.body.model} ${r.url}`)).size).toBe(1);
      expect(b.requestCount).toBeLessThanOrEqual(3);
      expect(b.inputTokens).toBeLessThanOrEqual(4000);
    }
    expect(p.batches.reduce((s, b) => s + b.requestCount, 0)).toBe(16);
  });

  it("rejects a request larger than the enqueued-token budget instead of making an oversized batch", async () => {
    const p = await planOpenAI(
      [chat("big", "gpt-5", SHARED, "q"), chat("small", "gpt-5", "s", "q")],
      { maxEnqueuedTokens: 2000 },
    );
    expect(p.rejected).toMatchObject([{ custom_id: "big", kind: "too-large" }]);
    expect(p.summary.planned).toBe(1);
  });

  it("property: every line is planned exactly once or rejected; files respect the limits; plans are deterministic", async () => {
    const models = ["gpt-5", "gpt-5.6-luna", "gpt-4o"];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            m: fc.integer({ min: 0, max: 2 }),
            s: fc.integer({ min: 0, max: 2 }),
            r: fc.boolean(),
            bad: fc.integer({ min: 0, max: 9 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.integer({ min: 1, max: 6 }),
        async (spec, maxRequests) => {
          const systems = [SHARED, prose(1500, 3), "tiny"];
          const input = spec.map((x, i) => {
            const line = x.r
              ? responses(`id${i}`, models[x.m]!, systems[x.s]!, `q${i}`)
              : chat(`id${i}`, models[x.m]!, systems[x.s]!, `q${i}`);
            return x.bad === 0 ? { ...line, method: "PUT" } : line;
          });
          const p = await planOpenAI(input, { maxRequests });
          const planned = p.batches.flatMap((b) => b.requests.map((r) => r.custom_id));
          expect(new Set(planned).size).toBe(planned.length);
          expect(planned.length + p.rejected.length).toBe(input.length);
          for (const b of p.batches) {
            expect(b.requestCount).toBeLessThanOrEqual(maxRequests);
            expect(new Set(b.requests.map((r) => `${r.body.model} ${r.url}`)).size).toBe(1);
            for (const r of b.requests) {
              const n = JSON.stringify(r).match(/prompt_cache_breakpoint/g)?.length ?? 0;
              expect(n).toBeLessThanOrEqual(4);
            }
          }
          const again = await planOpenAI(input, { maxRequests });
          expect(JSON.stringify(again)).toBe(JSON.stringify(p));
        },
      ),
      { numRuns: 25 },
    );
  });
});
