import { describe, expect, it } from "vitest";
import { type BatchRequest, type SimJob, type SimResult, simulate } from "../../src/index.js";
import { seededRandom } from "../../src/sample.js";
import { request, text, tool } from "../helpers/requests.js";
import { words } from "../helpers/word-counter.js";
import { promptTokens, wordTokens } from "./_helpers.js";

/**
 * A mixed job from a seed: tools + system groups with 1h and 5m markers, top-level markers,
 * documents × questions with two levels of markers, requests with no marker, over two models and
 * three waves.
 */
function mixedJob(seed: number): SimJob {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const tools = [tool("search", words("search", 300)), tool("fetch", words("fetch", 200))];
  const systems = [words("rubricA", 1500), words("rubricB", 900), words("rubricC", 5000)];
  const docs = [words("docA", 3000), words("docB", 1200)];
  const requests: BatchRequest[] = [];
  for (let i = 0; i < 300; i++) {
    const id = `r${i}`;
    const model = pick(["claude-sonnet-4-5", "claude-haiku-4-5"]);
    const kind = pick(["tools", "docs", "auto", "plain"] as const);
    if (kind === "tools") {
      requests.push(
        request(id, { model, tools, system: [text(pick(systems), "1h")], user: words(id, 30) }),
      );
    } else if (kind === "docs") {
      requests.push(
        request(id, {
          model,
          system: [text(pick(systems), "1h")],
          messages: [
            {
              role: "user",
              content: [text(pick(docs), "5m"), text(words(`${id}q`, 15))],
            },
          ],
        }),
      );
    } else if (kind === "auto") {
      requests.push(
        request(id, {
          model,
          system: pick(systems),
          user: words(id, 25),
          extra: { cache_control: { type: "ephemeral" } },
        }),
      );
    } else {
      requests.push(request(id, { model, system: pick(systems), user: words(id, 10) }));
    }
  }
  return {
    batches: [
      { wave: 0, requests: requests.slice(0, 6) },
      { wave: 1, requests: requests.slice(6, 150) },
      { wave: 1, requests: requests.slice(150, 280) },
      { wave: 2, requests: requests.slice(280) },
    ],
  };
}

function run(job: SimJob, seed = 1): SimResult {
  return simulate(job, { tokensOf: wordTokens, seed, concurrency: 16 });
}

describe("usage invariant (fact 17, §8)", () => {
  it("input + cache_creation + cache_read = the prompt's tokens, for every succeeded request", () => {
    for (const seed of [1, 2, 3]) {
      const job = mixedJob(seed);
      const sent = new Map(job.batches.flatMap((b) => b.requests).map((r) => [r.custom_id, r]));
      const result = run(job, seed);
      expect(result.totals.succeeded).toBe(300);
      for (const r of result.requests) {
        if (r.response.result.type !== "succeeded") throw new Error("unexpected result");
        const u = r.response.result.message.usage;
        const write = u.cache_creation_input_tokens ?? 0;
        const read = u.cache_read_input_tokens ?? 0;
        expect(u.input_tokens + write + read).toBe(promptTokens(sent.get(r.custom_id)!));
        expect(
          (u.cache_creation?.ephemeral_5m_input_tokens ?? 0) +
            (u.cache_creation?.ephemeral_1h_input_tokens ?? 0),
        ).toBe(write);
        expect(u.service_tier).toBe("batch");
      }
      // The job reads and writes something (the invariant is not vacuous).
      expect(result.totals.cacheReadTokens).toBeGreaterThan(0);
      expect(result.totals.cacheWriteTokens).toBeGreaterThan(0);
    }
  });
});

describe("determinism", () => {
  it("same job, parameters and seed → an identical result", () => {
    const a = run(mixedJob(7), 42);
    const b = run(mixedJob(7), 42);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it("another seed changes the timings", () => {
    const a = run(mixedJob(7), 42);
    const b = run(mixedJob(7), 43);
    expect(b.endedAt).not.toBe(a.endedAt);
  });
});

describe("processing model", () => {
  const result = run(mixedJob(11));

  it("every request has exactly one result, in job order", () => {
    const ids = mixedJob(11).batches.flatMap((b) => b.requests.map((r) => r.custom_id));
    expect(result.requests.map((r) => r.custom_id)).toEqual(ids);
    expect(result.requests.map((r) => r.response.custom_id)).toEqual(ids);
  });

  it("never runs more than `concurrency` requests of one batch at a time", () => {
    for (const batch of result.batches) {
      const edges = result.requests
        .filter((r) => r.batchIndex === batch.index && r.timing)
        .flatMap((r) => [
          [r.timing!.start, 1],
          [r.timing!.end, -1],
        ])
        .sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
      let running = 0;
      for (const [, delta] of edges) {
        running += delta!;
        expect(running).toBeLessThanOrEqual(16);
      }
    }
  });

  it("start ≤ readable ≤ end; requests start after their batch starts", () => {
    for (const r of result.requests) {
      const batch = result.batches[r.batchIndex]!;
      if (batch.state !== "ended") throw new Error("batch did not run");
      expect(r.timing!.start).toBeGreaterThanOrEqual(batch.startedAt);
      expect(r.timing!.readable).toBeGreaterThan(r.timing!.start);
      expect(r.timing!.end).toBeGreaterThanOrEqual(r.timing!.readable);
      expect(r.timing!.end).toBeLessThanOrEqual(batch.endedAt);
    }
  });

  it("a wave is created `submissionGapMs` after the previous one ends", () => {
    const [w0, w1, w2] = result.waves;
    expect(w0).toMatchObject({ wave: 0, batches: [0], createdAt: 0 });
    expect(w1).toMatchObject({ wave: 1, batches: [1, 2], createdAt: w0!.endedAt! + 60_000 });
    expect(w2).toMatchObject({ wave: 2, batches: [3], createdAt: w1!.endedAt! + 60_000 });
    expect(result.endedAt).toBe(w2!.endedAt);
  });

  it("batches start 5 to 15 minutes after creation by default (fact 16)", () => {
    for (const batch of result.batches) {
      if (batch.state !== "ended") throw new Error("batch did not run");
      expect(batch.startedAt - batch.createdAt).toBeGreaterThanOrEqual(300_000);
      expect(batch.startedAt - batch.createdAt).toBeLessThan(900_000);
    }
  });

  it("totals add up over batches", () => {
    let read = 0;
    for (const batch of result.batches)
      if (batch.state === "ended") read += batch.tokens.cacheReadTokens;
    expect(result.totals.cacheReadTokens).toBe(read);
    expect(result.totals.requests).toBe(300);
  });

  it("output tokens follow the assumption: half of max_tokens by default", () => {
    for (const r of result.requests) {
      if (r.response.result.type === "succeeded") {
        expect(r.response.result.message.usage.output_tokens).toBe(50);
        expect(r.response.result.message.stop_reason).toBe("end_turn");
      }
    }
    const fixed = simulate(mixedJob(11), { tokensOf: wordTokens, outputTokens: 500 });
    const first = fixed.requests[0]!.response.result;
    if (first.type !== "succeeded") throw new Error("unexpected result");
    // Capped at max_tokens (100), and then the stop reason is max_tokens.
    expect(first.message.usage.output_tokens).toBe(100);
    expect(first.message.stop_reason).toBe("max_tokens");
  });
});

describe("scale", () => {
  it("simulates 100,000 requests", () => {
    // Short texts with a token function that gives each system prompt 2,000 tokens and each
    // user turn 5, so that building the job stays cheap.
    const requests = Array.from({ length: 100_000 }, (_, i) =>
      request(`q${i}`, { system: [text(`group ${i % 500}`, "1h")], user: `question ${i}` }),
    );
    const result = simulate(
      {
        batches: [
          { wave: 0, requests: requests.slice(0, 500) },
          { wave: 1, requests: requests.slice(500) },
        ],
      },
      { tokensOf: (segment) => (segment.level === "system" ? 2000 : 5) },
    );
    expect(result.totals.succeeded).toBe(100_000);
    // The 500 primers write; wave 1 reads every group.
    expect(result.totals.requestsWithWrites).toBe(500);
    expect(result.totals.requestsWithReads).toBe(99_500);
    expect(result.totals.cacheReadTokens).toBe(99_500 * 2000);
  });
});
