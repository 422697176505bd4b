import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createExactCounter, type ExactCounterOptions } from "../../src/exports/tokens.js";
import { type BatchRequest, EnvironmentError, estimate, plan } from "../../src/index.js";
import { MISSING_API_KEY_MESSAGE } from "../../src/tokens/exact.js";
import {
  type CountTokensServer,
  serverCount,
  startCountTokensServer,
} from "../helpers/count-tokens-server.js";
import { createWordCounter } from "../helpers/word-counter.js";

// The exact counter against a local count_tokens server through the real SDK client. The server
// counts: 3 per prompt + words of system blocks + per message 1 + words of its text blocks
// (test/helpers/count-tokens-server.ts).

const KEY = "sk-ant-test-0123456789-secret";
let server: CountTokensServer;
let cacheDir: string;

beforeEach(async () => {
  server = await startCountTokensServer();
  cacheDir = await mkdtemp(path.join(tmpdir(), "cacheplan-exact-"));
});
afterEach(async () => {
  await server.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const counterFor = (s: CountTokensServer, extra: ExactCounterOptions = {}) =>
  createExactCounter({ apiKey: KEY, baseURL: s.url, cacheDir, maxRetries: 0, ...extra });

const prompt = {
  model: "claude-opus-4-6",
  system: [{ type: "text", text: "a b c", cache_control: { type: "ephemeral" } }],
  messages: [{ role: "user", content: "d e" }],
};

describe("createExactCounter", () => {
  it("counts a whole prompt as is, and a prefix by subtracting the minimal final turn", async () => {
    const counter = counterFor(server);
    const [whole, prefix] = await counter.countPrefixes([
      { params: prompt, complete: true },
      { params: prompt, complete: false },
    ]);
    // whole: 3 + system 3 + message (1 + 2) = 9
    expect(whole).toBe(9);
    // prefix: count(prompt + user "x") − count(user "x") = (3 + 3 + 3 + 2) − (3 + 2) = 11 − 5 = 6
    expect(prefix).toBe(6);
    expect(server.calls).toHaveLength(3);
    expect(server.calls.map(serverCount).sort((a, b) => a - b)).toEqual([5, 9, 11]);
    // cache_control is removed before counting (the API ignores it anyway, reference §6).
    expect(JSON.stringify(server.calls)).not.toContain("cache_control");
    expect(server.keys.every((k) => k === KEY)).toBe(true);
  });

  it("counts each distinct prefix once, and nothing on a second run (disk cache)", async () => {
    const other = { ...prompt, messages: [{ role: "user", content: "f g h" }] };
    const unmarked = { ...prompt, system: [{ type: "text", text: "a b c" }] };
    const requests = [prompt, unmarked, other, prompt, other].map((params) => ({
      params,
      complete: false,
    }));
    const first = counterFor(server);
    const counts = await first.countPrefixes(requests);
    // prompt = unmarked (markers do not change the content): 2 distinct prefixes + 1 base turn.
    expect(server.calls).toHaveLength(3);
    expect(first.stats.calls).toBe(3);
    // other: (3 + 3 + 4 + 2) − 5 = 7
    expect(counts).toEqual([6, 6, 7, 6, 7]);

    const second = counterFor(server);
    expect(await second.countPrefixes(requests)).toEqual(counts);
    expect(server.calls).toHaveLength(3);
    expect(second.stats).toEqual({ calls: 0, cached: 5 });
    const file = await readFile(path.join(cacheDir, "count-tokens.json"), "utf8");
    expect(file).not.toContain(KEY);
    expect(Object.keys((JSON.parse(file) as { counts: object }).counts)).toHaveLength(3);
  });

  it("limits the calls in flight", async () => {
    const slow = await startCountTokensServer({ delayMs: 20 });
    try {
      const counter = counterFor(slow, { concurrency: 2, cacheDir: false });
      const requests = Array.from({ length: 8 }, (_, i) => ({
        params: { model: "claude-opus-4-6", messages: [{ role: "user", content: `w${i}` }] },
        complete: true,
      }));
      await counter.countPrefixes(requests);
      expect(slow.calls).toHaveLength(8);
      expect(slow.maxInFlight).toBeLessThanOrEqual(2);
    } finally {
      await slow.close();
    }
  });

  it("counts segments alone, and estimates assistant-only blocks offline", async () => {
    const counter = counterFor(server);
    const counts = await counter.countSegments([
      {
        hash: "t",
        model: "claude-opus-4-6",
        block: { name: "f", description: "one two", input_schema: {} },
      },
      { hash: "x", model: "claude-opus-4-6", block: { type: "text", text: "p q r s" } },
      {
        hash: "u",
        model: "claude-opus-4-6",
        block: { type: "tool_use", id: "1", name: "f", input: {} },
      },
    ]);
    // tool: (3 + tool 2 + 2 words + "x" turn 2) − 5 = 4; text: (3 + (1 + 4) + 2) − 5 = 5
    expect(counts.slice(0, 2)).toEqual([4, 5]);
    expect(counts[2]).toBeGreaterThan(0); // offline estimate, no call
    expect(server.calls).toHaveLength(3); // two segments + one base turn
  });

  it("needs an API key, and says where to put it", () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      expect(() => createExactCounter({ baseURL: server.url })).toThrow(EnvironmentError);
      expect(() => createExactCounter({ apiKey: "" })).toThrow(MISSING_API_KEY_MESSAGE);
      expect(MISSING_API_KEY_MESSAGE).toMatch(/`ANTHROPIC_API_KEY`/);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });

  it("never shows the key in an error, even when the server echoes it", async () => {
    const failing = await startCountTokensServer({ failWith: 401 });
    try {
      const counter = counterFor(failing);
      const error = (await counter.countPrefixes([{ params: prompt, complete: true }]).then(
        () => new Error("no error"),
        (e: unknown) => e,
      )) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(failing.keys).toEqual([KEY]); // the server did get the key …
      const shown = [
        error.message,
        String(error),
        error.stack ?? "",
        JSON.stringify(error),
        String((error as { cause?: unknown }).cause ?? ""),
      ];
      for (const text of shown) expect(text).not.toContain(KEY); // … and nothing shows it
      expect(error.message).toMatch(/Token counting failed for model `claude-opus-4-6`/);
      expect(error.message).toContain("[redacted]");
    } finally {
      await failing.close();
    }
  });
});

describe("estimate() with the exact counter", () => {
  const requests = (): BatchRequest[] => {
    const system = Array.from({ length: 1200 }, (_, i) => `s${i % 9}`).join(" ");
    return Array.from({ length: 6 }, (_, i) => ({
      custom_id: `r${i}`,
      params: {
        model: "claude-sonnet-4-6",
        max_tokens: 10,
        system,
        messages: [{ role: "user", content: `question ${i} here` }],
      },
    }));
  };

  it("counts the breakpoint prefix once and each request once; a rerun makes no calls", async () => {
    const planned = await plan(requests(), { counter: createWordCounter() });
    expect(planned.groups[0]!.breakpoints).toHaveLength(1);
    const result = await estimate(planned, { counter: counterFor(server), outputTokens: 0 });
    // 1 prefix + 1 base turn + 6 whole requests
    expect(server.calls).toHaveLength(8);
    expect(result.counter).toBe("anthropic-count-tokens");
    expect(result.estimated).toBe(false);
    expect(result.count.mode).toBe("full");
    // whole request: 3 + 1,200 + (1 + 3) = 1,207; prefix: (3 + 1,200 + 2) − 5 = 1,200; tail 7
    expect(result.total.scenarios.standard.tokens.input).toBe(6 * 1207);
    expect(result.total.scenarios.ideal.tokens).toMatchObject({
      input: 6 * 7,
      cacheWrite1h: 1200,
      cacheRead: 5 * 1200,
    });

    const again = await estimate(planned, { counter: counterFor(server), outputTokens: 0 });
    expect(server.calls).toHaveLength(8);
    expect(again.total).toEqual(result.total);
  });
});
