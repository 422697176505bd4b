/** Miss attribution per group: what the requests did with the cache, and why the misses missed. */
import { describe, expect, it } from "vitest";
import {
  type Attribution,
  attributionInfo,
  type BatchRequest,
  formatAttribution,
  type Plan,
  plan,
  prepareTokens,
  report,
  simulate,
} from "../../src/index.js";
import { attribute, type GroupActivity } from "../../src/report/attribution.js";
import { createWordCounter, words } from "../helpers/word-counter.js";

function activity(partial: Partial<GroupActivity>): GroupActivity {
  return {
    writers: new Map(),
    readers: new Map(),
    idle: 0,
    idleDrifted: 0,
    idleLargest: 0,
    ...partial,
  };
}
const facts = { idealWrites: 1, variants: 1, minimum: 1024, prefixTokens: 1500 };

describe("attribute()", () => {
  it("a primed group that worked: one expected write, the rest read across waves", () => {
    const a = activity({ writers: new Map([[0, 1]]), readers: new Map([[1, 9]]) });
    expect(attribute(a, facts)).toEqual([
      { kind: "expected-write", requests: 1 },
      { kind: "cross-wave-read", requests: 9 },
    ]);
  });

  it("concurrent misses in the first writing wave, and rewrites in a later wave", () => {
    const a = activity({
      writers: new Map([
        [0, 3],
        [1, 2],
      ]),
      readers: new Map([[1, 5]]),
    });
    expect(attribute(a, facts)).toEqual([
      { kind: "expected-write", requests: 1 },
      { kind: "duplicate-write", requests: 4, sameWave: 2, laterWave: 2 },
      { kind: "cross-wave-read", requests: 5 },
    ]);
  });

  it("nested entries: one expected write per deepest entry", () => {
    const a = activity({ writers: new Map([[0, 3]]), readers: new Map([[0, 4]]) });
    expect(attribute(a, { ...facts, idealWrites: 2 })).toEqual([
      { kind: "expected-write", requests: 2 },
      { kind: "duplicate-write", requests: 1, sameWave: 1, laterWave: 0 },
      { kind: "same-wave-read", requests: 4 },
    ]);
  });

  it("reads with no write of the group: an entry written elsewhere", () => {
    const a = activity({ readers: new Map([[0, 4]]) });
    expect(attribute(a, facts)).toEqual([{ kind: "external-read", requests: 4 }]);
  });

  it("no cache activity at all: below the minimum, or unexplained when the prefix is long enough", () => {
    expect(attribute(activity({ idle: 5, idleLargest: 900 }), facts)).toEqual([
      {
        kind: "below-minimum",
        requests: 5,
        minimum: 1024,
        prefixTokens: 1500,
        largestRequestTokens: 900,
      },
    ]);
    expect(
      attribute(activity({ idle: 5, idleLargest: 2000 }), { ...facts, prefixTokens: 800 }),
    ).toEqual([
      {
        kind: "below-minimum",
        requests: 5,
        minimum: 1024,
        prefixTokens: 800,
        largestRequestTokens: 2000,
      },
    ]);
    expect(attribute(activity({ idle: 5, idleLargest: 2000 }), facts)).toEqual([
      { kind: "unexplained", requests: 5 },
    ]);
  });

  it("idle requests in an active group are never below the minimum", () => {
    const a = activity({ writers: new Map([[0, 1]]), idle: 2, idleLargest: 100, idleDrifted: 1 });
    expect(attribute(a, { ...facts, variants: 2 })).toEqual([
      { kind: "expected-write", requests: 1 },
      { kind: "prefix-drift", requests: 1, variants: 2 },
      { kind: "unexplained", requests: 2 },
    ]);
  });

  it("every kind has a title and says whether it is a miss, and formats", () => {
    const all: Attribution[] = [
      { kind: "expected-write", requests: 1 },
      { kind: "duplicate-write", requests: 2, sameWave: 1, laterWave: 1 },
      { kind: "cross-wave-read", requests: 3 },
      { kind: "same-wave-read", requests: 1 },
      { kind: "external-read", requests: 2 },
      {
        kind: "below-minimum",
        requests: 2,
        minimum: 1024,
        prefixTokens: 900,
        largestRequestTokens: 950,
      },
      { kind: "prefix-drift", requests: 1, variants: 2 },
      { kind: "unexplained", requests: 1 },
    ];
    expect(all.map(formatAttribution)).toEqual([
      "1 expected write",
      "2 duplicate writes (1 concurrent, 1 in a later wave)",
      "3 cross-wave reads",
      "1 same-wave read",
      "2 external reads",
      "2 below minimum (prefix ~900 < 1,024 tokens)",
      "1 with prefix drift (2 prefix variants)",
      "1 unexplained (no read, no write)",
    ]);
    expect(Object.keys(attributionInfo).sort()).toEqual(all.map((a) => a.kind).sort());
  });
});

const counter = createWordCounter();

function group(tag: string, n: number, prefixWords: number): BatchRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    custom_id: `${tag}-${i}`,
    params: {
      model: "claude-sonnet-4-6", // minimum cacheable prefix 1,024 tokens (reference §2)
      max_tokens: 20,
      system: words(tag, prefixWords),
      messages: [{ role: "user", content: `Q${i}: ${words(`${tag}q${i}`, 10)}` }],
    },
  }));
}

function result(id: string, input: number, read = 0, write = 0) {
  return {
    custom_id: id,
    result: {
      type: "succeeded",
      message: {
        model: "claude-sonnet-4-6",
        usage: {
          input_tokens: input,
          cache_read_input_tokens: read,
          cache_creation_input_tokens: write,
          cache_creation: { ephemeral_5m_input_tokens: write, ephemeral_1h_input_tokens: 0 },
          output_tokens: 5,
          service_tier: "batch",
        },
      },
    },
  };
}

describe("attribution in a report", () => {
  it("a cold group in one batch: concurrent writers are duplicate writes, the rest same-wave reads", async () => {
    const planned = await plan(group("cold", 20, 1500), {
      strategy: "cold",
      counter,
      concurrency: 8,
    });
    expect(planned.groups).toHaveLength(1);
    // 8 requests start together and none sees another's write (fact 14); the other 12 read.
    const sim = simulate(planned, {
      tokensOf: await prepareTokens(planned, counter),
      concurrency: 8,
    });
    const r = await report(
      sim.requests.map((x) => x.response),
      { plan: planned },
    );
    expect(r.groups[0]!.attribution).toEqual([
      { kind: "expected-write", requests: 1 },
      { kind: "duplicate-write", requests: 7, sameWave: 7, laterWave: 0 },
      { kind: "same-wave-read", requests: 12 },
    ]);
    expect(r.groups[0]!.writes).toEqual({ actual: 8, ideal: 1 });
    expect(r.writesPerGroup).toEqual({ groups: 1, actual: 8, ideal: 1 });
  });

  it("a group that never touched the cache, with a prefix below the minimum", async () => {
    const planned = await plan(group("short", 4, 1100), { strategy: "primed", counter });
    expect(planned.groups).toHaveLength(1);
    // The API counted fewer tokens than the estimate: 1,000 per request, under 1,024.
    const r = await report(
      planned.groups[0]!.customIds.map((id) => result(id, 1000)),
      { plan: planned },
    );
    expect(r.groups[0]!.attribution).toEqual([
      {
        kind: "below-minimum",
        requests: 4,
        minimum: 1024,
        prefixTokens: 1100,
        largestRequestTokens: 1000,
      },
    ]);
    expect(r.verdict.kind).toBe("did-not-work");
  });

  it("a request whose prefix differs from its group's (a plan edited after planning)", async () => {
    const planned: Plan = await plan(group("drift", 4, 1500), { strategy: "primed", counter });
    const [primer, ...rest] = planned.groups[0]!.customIds;
    const edited = rest[1]!;
    for (const batch of planned.batches)
      for (const request of batch.requests)
        if (request.custom_id === edited)
          (request.params as { system: unknown }).system = [
            {
              type: "text",
              text: `${words("drift", 1500)} 2026-11-22`,
              cache_control: { type: "ephemeral", ttl: "1h" },
            },
          ];
    const r = await report(
      [
        result(primer!, 20, 0, 1500),
        result(rest[0]!, 20, 1500),
        result(edited, 1521),
        result(rest[2]!, 20, 1500),
      ],
      { plan: planned },
    );
    expect(r.groups[0]!.attribution).toEqual([
      { kind: "expected-write", requests: 1 },
      { kind: "cross-wave-read", requests: 2 },
      { kind: "prefix-drift", requests: 1, variants: 2 },
    ]);
  });
});
