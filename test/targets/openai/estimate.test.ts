import { describe, expect, it } from "vitest";
import { OpenAICacheModel, promptView } from "../../../src/sim/openai/cache.js";
import { planAsGiven } from "../../../src/targets/openai/as-given.js";
import { toCorePlan } from "../../../src/targets/openai/core-plan.js";
import { estimateOpenAI } from "../../../src/targets/openai/estimate.js";
import { planOpenAI } from "../../../src/targets/openai/plan.js";
import { chat, prose } from "./_lines.js";

const SHARED = prose(3000, 7);

describe("the OpenAI cache model (reference §4.6)", () => {
  it("automatic: reads the longest kept prefix in 128-token steps, nothing under 1,024, no write fee", () => {
    const cache = new OpenAICacheModel();
    const a = promptView(chat("a", "gpt-5", SHARED, "one").body as Record<string, unknown>);
    const b = promptView(chat("b", "gpt-5", SHARED, "two").body as Record<string, unknown>);
    expect(cache.serve(a, 0)).toEqual({ cached: 0, written: 0 });
    const sys = a.cumTokens[0]!;
    expect(sys).toBeGreaterThan(1024);
    expect(cache.serve(b, 1)).toEqual({ cached: Math.floor(sys / 128) * 128, written: 0 });
    const short = promptView(chat("c", "gpt-5", "short", "x").body as Record<string, unknown>);
    cache.serve(short, 2);
    expect(cache.serve(short, 3).cached).toBe(0);
  });

  it("automatic entries expire after 10 minutes unused; explicit ones after 30", () => {
    const cache = new OpenAICacheModel();
    const a = promptView(chat("a", "gpt-5", SHARED, "one").body as Record<string, unknown>);
    cache.serve(a, 0);
    expect(cache.read(a, 11 * 60_000)).toBe(0);
  });

  it("explicit: exact match at a breakpoint; writes billed past what was read; explicit mode writes no implicit tail", () => {
    const body = (id: string, q: string) =>
      ({
        ...(chat(id, "gpt-5.6-luna", SHARED, q).body as Record<string, unknown>),
        messages: [
          {
            role: "system",
            content: [
              { type: "text", text: SHARED, prompt_cache_breakpoint: { mode: "explicit" } },
            ],
          },
          { role: "user", content: q },
        ],
        prompt_cache_options: { mode: "explicit" },
      }) as Record<string, unknown>;
    const cache = new OpenAICacheModel();
    const a = promptView(body("a", "one"));
    const sys = a.cumTokens[0]!;
    expect(cache.serve(a, 0)).toEqual({ cached: 0, written: sys });
    expect(cache.serve(promptView(body("b", "two")), 1)).toEqual({ cached: sys, written: 0 });
    // Default (implicit) mode: the implicit breakpoint on the last part is written too.
    const implicit = promptView({ ...body("c", "three"), prompt_cache_options: undefined });
    const use = cache.serve(implicit, 2);
    expect(use.cached).toBe(sys);
    expect(use.written).toBe(implicit.total - sys);
  });
});

describe("estimateOpenAI", () => {
  it("explicit, primed: ideal and planned write the prefix once and read it 19 times; prices follow the dated row", async () => {
    const lines = Array.from({ length: 20 }, (_, i) =>
      chat(`e${i}`, "gpt-5.6-luna", SHARED, `question ${i}`, { max_completion_tokens: 100 }),
    );
    const plan = toCorePlan(await planOpenAI(lines));
    const e = estimateOpenAI(plan, { output: { kind: "tokens", tokens: 100 } });
    const prefix = plan.groups[0]!.breakpoints[0]!.prefixTokens;
    expect(e.total.ideal.tokens.cacheWrite5m).toBe(prefix);
    expect(e.total.ideal.tokens.cacheRead).toBe(19 * prefix);
    expect(e.total.planned.tokens).toEqual(e.total.ideal.tokens);
    expect(e.total.worst.tokens.cacheWrite5m).toBe(20 * prefix);
    // gpt-5.6-luna: $0.20 input, $0.02 cached, $1.20 output per MTok (LL-35270, LL-39861); batch 0.5×.
    const t = e.total.planned.tokens;
    const expected =
      ((t.input * 0.2 + t.cacheRead * 0.02 + t.cacheWrite5m * 0.25 + t.output * 1.2) * 0.5) / 1e6;
    expect(e.total.planned.usd).toBeCloseTo(expected, 12);
    expect(e.total.batch.usd!).toBeCloseTo(e.total.standard.usd! / 2, 12);
    expect(e.total.planned.usd!).toBeLessThan(e.total.batch.usd!);
  });

  it("automatic, cold, one batch: requests in the first parallel round miss (planned below ideal)", async () => {
    const lines = Array.from({ length: 10 }, (_, i) => chat(`a${i}`, "gpt-5", SHARED, `q${i}`));
    const e = estimateOpenAI(toCorePlan(await planOpenAI(lines)), { concurrency: 4 });
    const hit = e.byModel["gpt-5"]!.scenarios;
    // Ideal: 9 of 10 read; planned: rounds of 4, so 6 read.
    expect(hit.ideal.tokens.cacheRead / hit.planned.tokens.cacheRead).toBeCloseTo(9 / 6, 10);
    expect(hit.worst.tokens.cacheRead).toBe(0);
  });

  it("automatic caching, many small groups in one batch: leaders first lets followers read (contiguous groups would all start together and miss)", async () => {
    const systems = Array.from({ length: 40 }, (_, g) => prose(1400, 100 + g));
    const lines: ReturnType<typeof chat>[] = [];
    for (let i = 0; i < 200; i++)
      lines.push(chat(`s${i}`, "gpt-5", systems[(i * 7) % 40]!, `q${i}`));
    const e = estimateOpenAI(toCorePlan(await planOpenAI(lines)));
    const t = e.total;
    // 40 leaders and 24 followers make the first round of 64; the 136 followers after it read
    // (contiguous, only groups that straddle a round boundary would read at all).
    expect(t.planned.tokens.cacheRead).toBeGreaterThan(0.8 * t.ideal.tokens.cacheRead);
    // The same requests with each group contiguous (the order before leaders first) read far less.
    const systemOf = (l: (typeof lines)[number]) =>
      systems.indexOf((l.body as { messages: { content: string }[] }).messages[0]!.content);
    const byGroup = [...lines].sort((a, b) => systemOf(a) - systemOf(b));
    const contiguous = estimateOpenAI(planAsGiven(byGroup as never));
    expect(contiguous.total.planned.tokens.cacheRead).toBeLessThan(0.3 * t.ideal.tokens.cacheRead);
  });

  it("a pre-GPT-5 model gets nothing from Batch caching, and the Flex scenario shows what automatic caching would save", async () => {
    const lines = Array.from({ length: 5 }, (_, i) => chat(`o${i}`, "gpt-4.1", SHARED, `q${i}`));
    const e = estimateOpenAI(toCorePlan(await planOpenAI(lines)));
    expect(e.total.planned.usd).toBeCloseTo(e.total.batch.usd!, 12);
    expect(e.total.flex.tokens.cacheRead).toBeGreaterThan(0);
    expect(e.total.flex.usd!).toBeLessThan(e.total.batch.usd!);
  });

  it("above 272K prompt tokens a request is priced at the long-context tier", async () => {
    const big = prose((300_000 * 2.5) / 2.2, 9);
    const lines = [chat("big", "gpt-5.6-luna", big, "q", { max_completion_tokens: 10 })];
    const e = estimateOpenAI(toCorePlan(await planOpenAI(lines)), {
      output: { kind: "tokens", tokens: 0 },
    });
    const t = e.total.batch.tokens.input;
    expect(t).toBeGreaterThan(272_000);
    expect(e.total.batch.usd).toBeCloseTo((t * 0.4 * 0.5) / 1e6, 12);
  });
});
