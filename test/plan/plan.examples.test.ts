/**
 * Worked examples of `plan()`, each expected plan written out by hand.
 *
 * Token counts come from the word counter (test/helpers/word-counter.ts): one token per word of a
 * block's `text`, or of a tool's `description`. Minimums come from the built-in model table
 * (reference §2): claude-sonnet-4-5 1,024, claude-haiku-4-5 4,096, claude-opus-5-5 512.
 *
 * The arithmetic is that of `src/plan/_cost-model.ts`, in base-input units per token of a prefix
 * shared by c requests (reference §3: 5m write 1.25×, 1h write 2×, read 0.1×, 0.05× on Opus 5.5):
 *   primed 1h: one primer writes, the rest read:  c − (1×2 + (c−1)×read)
 *   cold 5m:   the first min(c, concurrency) write: c − (w×1.25 + (c−w)×read)
 *   cold 1h:   same with 2× per write:               c − (w×2 + (c−w)×read)
 * A breakpoint is placed where this is positive (the larger one under `strategy: "auto"`).
 * `inputUnits.planned` = prefix tokens × (writes × write multiplier + reads × read multiplier).
 */
import { describe, expect, it } from "vitest";
import { type BatchRequest, type Plan, type PlanOptions, plan } from "../../src/index.js";
import { markersOf, request, text, tool } from "../helpers/requests.js";
import { createWordCounter, words } from "../helpers/word-counter.js";

const SONNET = "claude-sonnet-4-5"; // minimum 1,024 tokens, read 0.1×
const HAIKU = "claude-haiku-4-5"; // minimum 4,096 tokens, read 0.1×
const OPUS = "claude-opus-5-5"; // minimum 512 tokens, read 0.05×

const ONE_HOUR = { type: "ephemeral", ttl: "1h" };
const FIVE_MIN = { type: "ephemeral" };

function run(requests: BatchRequest[], options: PlanOptions = {}): Promise<Plan> {
  return plan(requests, { counter: createWordCounter(), ...options });
}

/** custom_ids per batch, with the wave: `[[wave, [ids...]], ...]`. */
function layout(result: Plan): Array<[number, string[]]> {
  return result.batches.map((b) => [b.wave, b.requests.map((r) => r.custom_id)]);
}

function output(result: Plan, customId: string): BatchRequest {
  const found = result.batches.flatMap((b) => b.requests).find((r) => r.custom_id === customId);
  if (!found) throw new Error(`${customId} is not in any batch`);
  return found;
}

/** `r0`, `r1`, ... with user messages of equal length, so no request is a cheaper primer. */
function sharedSystem(n: number, system: string | ReturnType<typeof text>[], model = SONNET) {
  return Array.from({ length: n }, (_, i) =>
    request(`r${i}`, { model, system, user: `ticket ${i}` }),
  );
}

const ids = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => `${prefix}${from + k}`);

describe("(a) one shared system prompt", () => {
  it("gives one group with one primed 1h breakpoint on system, 1 primer in wave 0 and the rest in wave 1", async () => {
    const system = words("rubric", 2000);
    const result = await run(sharedSystem(10, system));
    // c = 10, 2,000 tokens each.
    // primed 1h: 10 − (1×2 + 9×0.1) = 7.1 per token > 0
    // cold 5m:   10 − (10×1.25)     = −2.5 (all 10 run before any write is visible)
    // planned = 2000 × (1×2 + 9×0.1) = 5,800 units; uncached = 2000 × 10 = 20,000.
    expect(result.groups).toEqual([
      {
        id: "g1",
        model: SONNET,
        requests: 10,
        sharedTokens: 2000,
        breakpoints: [
          {
            id: "g1.b1",
            segment: "system",
            depth: 1,
            prefixTokens: 2000,
            requests: 10,
            ttl: "1h",
            mode: "primed",
            origin: "planner",
            expectedWrites: 1,
            expectedReads: 9,
          },
        ],
        primers: ["r0"],
        inputUnits: { uncached: 20000, planned: 5800 },
        why: expect.stringContaining("10 requests share ~2,000 tokens up to system"),
        customIds: ids("r", 0, 10),
      },
    ]);
    expect(layout(result)).toEqual([
      [0, ["r0"]],
      [1, ids("r", 1, 10)],
    ]);
    expect(result.warnings).toEqual([]);
    expect(result.summary).toEqual({
      inputRequests: 10,
      planned: 10,
      rejected: 0,
      grouped: 10,
      waves: 2,
      batches: 2,
      markersAdded: 10,
      markersRemoved: 0,
      byModel: { [SONNET]: 10 },
    });
    // The string system prompt became one marked text block; the message is untouched.
    for (const id of ["r0", "r5"]) {
      expect(output(result, id).params.system).toEqual([
        { type: "text", text: system, cache_control: ONE_HOUR },
      ]);
    }
    expect(output(result, "r5").params.messages).toEqual([{ role: "user", content: "ticket 5" }]);
  });
});

/** Two tools (100 words each), instructions (1,000 words), 3 documents × 4 questions. */
function documentJob(): BatchRequest[] {
  const tools = [tool("search", words("search", 100)), tool("fetch", words("fetch", 100))];
  const system = [text(words("instructions", 1000))];
  const requests: BatchRequest[] = [];
  for (let d = 1; d <= 3; d++) {
    for (let q = 0; q < 4; q++) {
      requests.push(
        request(`doc${d}-q${q}`, {
          tools,
          system,
          user: [text(words(`document${d}`, 3000)), text(`question ${q}`)],
        }),
      );
    }
  }
  return requests;
}

const docBreakpoint = (n: number) => ({
  id: `g1.b${n}`,
  segment: "messages[0].content[0]",
  depth: 4,
  prefixTokens: 4200,
  requests: 4,
  ttl: "1h",
  mode: "primed",
  origin: "planner",
  expectedWrites: 1,
  expectedReads: 3,
});

describe("(b) tools + system + per-document subgroups", () => {
  it("puts a top breakpoint on the last shared system block and one on each document", async () => {
    // Two waves pinned: the 3-wave choice of `maxWaves: "auto"` is the next test.
    const result = await run(documentJob(), { maxWaves: 2 });
    // tools[0], tools[1] and system[0] are shared by all 12: the breakpoint goes on the last of
    // them (reference fact 1), prefix 100 + 100 + 1000 = 1,200 tokens.
    // Top, c = 12: primed 1h 12 − (2 + 11×0.1) = 8.9 > 0; cold 5m 12 − 15 < 0.
    // Each document, c = 4, 3,000 more tokens: primed 1h 4 − (2 + 3×0.1) = 1.7 > 0.
    // With 2 waves the three document primers all run in wave 0, and each writes the top entry:
    // top writes 3, reads 9 → 1200 × (3×2 + 9×0.1) = 8,280; each document 3000 × (2 + 0.3) =
    // 6,900. planned = 8,280 + 3 × 6,900 = 28,980; uncached = 1200×12 + 3000×12 = 50,400.
    expect(result.groups).toEqual([
      {
        id: "g1",
        model: SONNET,
        requests: 12,
        sharedTokens: 1200,
        breakpoints: [
          {
            id: "g1.b1",
            segment: "system[0]",
            depth: 3,
            prefixTokens: 1200,
            requests: 12,
            ttl: "1h",
            mode: "primed",
            origin: "planner",
            expectedWrites: 3,
            expectedReads: 9,
          },
          docBreakpoint(2),
          docBreakpoint(3),
          docBreakpoint(4),
        ],
        primers: ["doc1-q0", "doc2-q0", "doc3-q0"],
        inputUnits: { uncached: 50400, planned: 28980 },
        why: expect.stringContaining("3 deeper shared prefixes get their own breakpoint"),
        customIds: [
          "doc1-q0",
          "doc2-q0",
          "doc3-q0",
          ...["doc1", "doc2", "doc3"].flatMap((d) => [`${d}-q1`, `${d}-q2`, `${d}-q3`]),
        ],
      },
    ]);
    expect(layout(result)).toEqual([
      [0, ["doc1-q0", "doc2-q0", "doc3-q0"]],
      [
        1,
        [
          "doc1-q1",
          "doc1-q2",
          "doc1-q3",
          "doc2-q1",
          "doc2-q2",
          "doc2-q3",
          "doc3-q1",
          "doc3-q2",
          "doc3-q3",
        ],
      ],
    ]);
    expect(result.warnings).toEqual([]);
    expect(result.summary.markersAdded).toBe(24);
    expect(markersOf(output(result, "doc2-q3"))).toEqual([
      { label: "system[0]", ttl: "1h" },
      { label: "messages[0].content[0]", ttl: "1h" },
    ]);
  });
});

describe("(b2) maxWaves auto: nested prefixes primed level by level when it pays", () => {
  it("primes the top entry alone in wave 0 and the other documents in wave 1", async () => {
    const result = await run(documentJob());
    // With 3 waves the first primer (doc1-q0, the cheapest of the group) writes the top entry and
    // document 1 alone in wave 0; doc2-q0 and doc3-q0 read the top entry in wave 1 and write their
    // documents; the other 9 requests read in wave 2.
    // top: 1 write, 11 reads → 1200 × (2 + 11×0.1) = 3,720; documents as before 3 × 6,900.
    // planned = 3,720 + 20,700 = 24,420 against 28,980 with 2 waves: 15.7% less ≥ 1% → 3 waves.
    expect(result.summary.waves).toBe(3);
    expect(result.groups[0]).toMatchObject({
      primers: ["doc1-q0", "doc2-q0", "doc3-q0"],
      inputUnits: { uncached: 50400, planned: 24420 },
    });
    expect(result.groups[0]!.breakpoints[0]).toMatchObject({
      expectedWrites: 1,
      expectedReads: 11,
    });
    expect(layout(result).map(([wave, ids]) => [wave, ids.length])).toEqual([
      [0, 1],
      [1, 2],
      [2, 9],
    ]);
    expect(layout(result)[0]).toEqual([0, ["doc1-q0"]]);
    expect(result.options.maxWaves).toBe("auto");
  });

  it("keeps 2 waves when nothing is nested", async () => {
    const result = await run(sharedSystem(10, words("rules", 1500)));
    expect(result.summary.waves).toBe(2);
  });
});

describe("(c) many small groups", () => {
  it("gives groups of 2 no marker and groups of 3 one", async () => {
    // Equal-length ids and messages; systems a..e shared by 1, 2, 3, 2 and 3 requests.
    const sizes: Array<[string, number]> = [
      ["a", 1],
      ["b", 2],
      ["c", 3],
      ["d", 2],
      ["e", 3],
    ];
    const requests = sizes.flatMap(([tag, n]) =>
      Array.from({ length: n }, (_, i) =>
        request(`${tag}${i}`, { system: words(`system-${tag}`, 2000), user: `question ${i}` }),
      ),
    );
    const result = await run(requests);
    // c = 2: primed 1h 2 − (1×2 + 1×0.1) = −0.1; cold 5m 2 − 2×1.25 = −0.5 → no marker.
    // c = 3: primed 1h 3 − (1×2 + 2×0.1) = 0.8 > 0 → marker;
    //        planned = 2000 × (2 + 0.2) = 4,400, uncached 6,000.
    const group = (id: string, tag: string) => ({
      id,
      model: SONNET,
      requests: 3,
      sharedTokens: 2000,
      breakpoints: [
        {
          id: `${id}.b1`,
          segment: "system",
          depth: 1,
          prefixTokens: 2000,
          requests: 3,
          ttl: "1h",
          mode: "primed",
          origin: "planner",
          expectedWrites: 1,
          expectedReads: 2,
        },
      ],
      primers: [`${tag}0`],
      inputUnits: { uncached: 6000, planned: 4400 },
      why: expect.any(String),
      customIds: [`${tag}0`, `${tag}1`, `${tag}2`],
    });
    expect(result.groups).toEqual([group("g1", "c"), group("g2", "e")]);
    expect(result.warnings).toEqual([
      { kind: "too-small-to-pay", model: SONNET, prefixes: 2, requests: 4 },
    ]);
    // Depth-first order keeps shared prefixes together, in order of first appearance.
    expect(layout(result)).toEqual([
      [0, ["c0", "e0"]],
      [1, ["a0", "b0", "b1", "c1", "c2", "d0", "d1", "e1", "e2"]],
    ]);
    expect(markersOf(output(result, "b1"))).toEqual([]);
    expect(markersOf(output(result, "c2"))).toEqual([{ label: "system[0]", ttl: "1h" }]);
  });
});

describe("(d) requests that share nothing", () => {
  it("gives no groups, one wave, and the requests unchanged", async () => {
    const requests = Array.from({ length: 5 }, (_, i) =>
      request(`solo${i}`, { system: words(`own-system-${i}`, 2000), user: `question ${i}` }),
    );
    const result = await run(requests);
    expect(result.groups).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(layout(result)).toEqual([[0, ids("solo", 0, 5)]]);
    expect(result.batches[0]!.requests).toEqual(requests);
    expect(result.summary).toMatchObject({ grouped: 0, waves: 1, batches: 1, markersAdded: 0 });
  });
});

describe("(e) mixed models", () => {
  it("groups per model; no group spans models", async () => {
    const system = words("shared-rubric", 2000);
    const requests: BatchRequest[] = [];
    for (let i = 0; i < 4; i++) {
      requests.push(request(`s${i}`, { model: SONNET, system, user: `ticket ${i}` }));
      requests.push(request(`o${i}`, { model: OPUS, system, user: `ticket ${i}` }));
    }
    const result = await run(requests);
    // Caches are per model (reference §1.6), so the same prompt makes two groups.
    // Sonnet 4.5, c = 4: 4 − (2 + 3×0.1) = 1.7 > 0; planned 2000 × 2.3 = 4,600.
    // Opus 5.5 reads at 0.05×: 4 − (2 + 3×0.05) = 1.85 > 0; planned 2000 × 2.15 = 4,300.
    expect(result.groups.map((g) => [g.id, g.model, g.customIds, g.primers, g.inputUnits])).toEqual(
      [
        ["g1", SONNET, ["s0", "s1", "s2", "s3"], ["s0"], { uncached: 8000, planned: 4600 }],
        ["g2", OPUS, ["o0", "o1", "o2", "o3"], ["o0"], { uncached: 8000, planned: 4300 }],
      ],
    );
    const modelOf = new Map(requests.map((r) => [r.custom_id, r.params.model]));
    for (const g of result.groups) {
      for (const id of g.customIds) expect(modelOf.get(id)).toBe(g.model);
    }
    expect(result.summary.byModel).toEqual({ [SONNET]: 4, [OPUS]: 4 });
    expect(layout(result)).toEqual([
      [0, ["s0", "o0"]],
      [1, ["s1", "s2", "s3", "o1", "o2", "o3"]],
    ]);
  });

  it("applies each model's own minimum", async () => {
    // 600 tokens: ≥ 512 (Opus 5.5) but < 1,024 (Sonnet 4.5).
    const system = words("short-rubric", 600);
    const requests: BatchRequest[] = [];
    for (let i = 0; i < 4; i++) {
      requests.push(request(`s${i}`, { model: SONNET, system, user: `ticket ${i}` }));
      requests.push(request(`o${i}`, { model: OPUS, system, user: `ticket ${i}` }));
    }
    const result = await run(requests);
    expect(result.groups.map((g) => [g.model, g.sharedTokens, g.requests])).toEqual([
      [OPUS, 600, 4],
    ]);
    expect(result.warnings).toEqual([
      {
        kind: "below-minimum",
        model: SONNET,
        segment: "system",
        requests: 4,
        prefixTokens: 600,
        minimum: 1024,
      },
    ]);
  });
});

describe("(f) markers already in the requests", () => {
  it("keeps consistent user markers as the group's breakpoint (origin user) and adds none", async () => {
    const requests = sharedSystem(10, [text(words("rubric", 2000), "1h")]);
    const result = await run(requests);
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]!.breakpoints).toEqual([
      {
        id: "g1.b1",
        segment: "system[0]",
        depth: 1,
        prefixTokens: 2000,
        requests: 10,
        ttl: "1h",
        mode: "primed",
        origin: "user",
        expectedWrites: 1,
        expectedReads: 9,
      },
    ]);
    expect(result.groups[0]!.why).toContain("(marked by the user)");
    expect(result.summary.markersAdded).toBe(0);
    // Still primed: the user's 1h entry is written by one primer first.
    expect(layout(result)).toEqual([
      [0, ["r0"]],
      [1, ids("r", 1, 10)],
    ]);
    expect(result.batches.flatMap((b) => b.requests)).toEqual(requests);
  });

  it("warns about a user marker on a unique tail, and still marks the shared prefix", async () => {
    const system = words("rubric", 2000);
    const requests = Array.from({ length: 10 }, (_, i) =>
      request(`r${i}`, { system, user: [text(`ticket ${i}`, "5m")] }),
    );
    const result = await run(requests);
    expect(result.warnings).toEqual([
      {
        kind: "user-marker-unique-tail",
        requests: 10,
        examples: ["r0", "r1", "r2", "r3", "r4"],
      },
    ]);
    // 1h on system before the user's 5m on the message: allowed order (reference fact 6).
    expect(markersOf(output(result, "r3"))).toEqual([
      { label: "system[0]", ttl: "1h" },
      { label: "messages[0].content[0]", ttl: "5m" },
    ]);
    expect(result.summary.markersAdded).toBe(10);
  });

  it('with userMarkers: "replace" removes them and plans from scratch', async () => {
    const system = words("rubric", 2000);
    const requests = Array.from({ length: 10 }, (_, i) =>
      request(`r${i}`, {
        system,
        user: [text(`ticket ${i}`, "5m")],
        extra: i === 0 ? { cache_control: FIVE_MIN } : {},
      }),
    );
    const result = await run(requests, { userMarkers: "replace" });
    expect(result.warnings).toEqual([]);
    expect(result.summary).toMatchObject({ markersAdded: 10, markersRemoved: 11 });
    for (const id of ["r0", "r3"]) {
      const out = output(result, id);
      expect(markersOf(out)).toEqual([{ label: "system[0]", ttl: "1h" }]);
      expect("cache_control" in out.params).toBe(false);
    }
    expect(output(result, "r3").params.messages).toEqual([
      { role: "user", content: [text("ticket 3")] },
    ]);
  });

  it("gives a request that already has 4 markers no planner marker", async () => {
    // r9 shares the system prompt with r0..r8 but has 4 markers on its own message already.
    const system = words("rubric", 2000);
    const full = request("r9", {
      system,
      user: [text("a", "5m"), text("b", "5m"), text("c", "5m"), text("d", "5m")],
    });
    const requests = [...sharedSystem(9, system), full];
    const result = await run(requests);
    expect(output(result, "r9")).toEqual(full);
    expect(markersOf(output(result, "r9"))).toHaveLength(4);
    // Breakpoints must be identical in every request through the shared node (reference
    // fact 1), and r9 has no slot left: the whole prefix goes unmarked.
    expect(result.groups).toEqual([]);
    expect(result.summary.markersAdded).toBe(0);
    expect(result.warnings).toEqual([
      { kind: "marker-budget", model: SONNET, segment: "system", requests: 10 },
      { kind: "user-marker-unique-tail", requests: 1, examples: ["r9"] },
    ]);
  });

  it("a request with 4 markers does not stop other prefixes from being marked", async () => {
    const full = request("x0", {
      system: words("other", 2000),
      user: [text("a", "1h"), text("b", "5m"), text("c", "5m"), text("d", "5m")],
    });
    const result = await run([full, ...sharedSystem(5, words("rubric", 2000))]);
    expect(output(result, "x0")).toEqual(full);
    expect(result.groups.map((g) => g.customIds)).toEqual([ids("r", 0, 5)]);
  });
});

describe("(g) a shared prefix below the model minimum", () => {
  it("warns below-minimum and places no marker (Sonnet 4.5: 500 < 1,024)", async () => {
    const result = await run(sharedSystem(10, words("rubric", 500)));
    expect(result.groups).toEqual([]);
    expect(result.summary.markersAdded).toBe(0);
    expect(result.warnings).toEqual([
      {
        kind: "below-minimum",
        model: SONNET,
        segment: "system",
        requests: 10,
        prefixTokens: 500,
        minimum: 1024,
      },
    ]);
  });

  it("uses Haiku 4.5's minimum of 4,096 (2,000 is below it)", async () => {
    const result = await run(sharedSystem(10, words("rubric", 2000), HAIKU));
    expect(result.groups).toEqual([]);
    expect(result.warnings).toEqual([
      {
        kind: "below-minimum",
        model: HAIKU,
        segment: "system",
        requests: 10,
        prefixTokens: 2000,
        minimum: 4096,
      },
    ]);
  });

  it("warns near-minimum for a breakpoint within 10% above the minimum", async () => {
    // 1,100 ≥ 1,024 but < 1,024 × 1.1 = 1,126.4.
    const result = await run(sharedSystem(10, words("rubric", 1100)));
    expect(result.groups.map((g) => g.sharedTokens)).toEqual([1100]);
    expect(result.warnings).toEqual([
      { kind: "near-minimum", group: "g1", segment: "system", prefixTokens: 1100, minimum: 1024 },
    ]);
  });
});

describe("(h) strategy and ttl", () => {
  const system = words("rubric", 2000);

  it('"none" adds nothing', async () => {
    const requests = sharedSystem(10, system);
    const result = await run(requests, { strategy: "none" });
    expect(result.groups).toEqual([]);
    expect(result.summary).toMatchObject({ markersAdded: 0, waves: 1, batches: 1 });
    expect(result.batches[0]!.requests).toEqual(requests);
    // Nothing to report: the prefix is long enough and would pay; the caller chose no caching.
    expect(result.warnings).toEqual([]);
  });

  it('"cold" gives one wave with 5m markers', async () => {
    // concurrency 4: the first 4 requests write, 6 read.
    // cold 5m: 10 − (4×1.25 + 6×0.1) = 4.4 > 0; planned 2000 × 5.6 = 11,200.
    const result = await run(sharedSystem(10, system), { strategy: "cold", concurrency: 4 });
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]).toMatchObject({
      primers: [],
      inputUnits: { uncached: 20000, planned: 11200 },
    });
    expect(result.groups[0]!.breakpoints).toEqual([
      {
        id: "g1.b1",
        segment: "system",
        depth: 1,
        prefixTokens: 2000,
        requests: 10,
        ttl: "5m",
        mode: "cold",
        origin: "planner",
        expectedWrites: 4,
        expectedReads: 6,
      },
    ]);
    expect(layout(result)).toEqual([[0, ids("r", 0, 10)]]);
    expect(output(result, "r7").params.system).toEqual([
      { type: "text", text: system, cache_control: FIVE_MIN },
    ]);
  });

  it('"cold" with the default concurrency of 64 does not pay for 10 requests', async () => {
    // All 10 start together: 10 − 10×1.25 = −2.5.
    const result = await run(sharedSystem(10, system), { strategy: "cold" });
    expect(result.groups).toEqual([]);
  });

  it('ttl "1h" with "cold" gives 1h markers', async () => {
    // cold 1h: 10 − (4×2 + 6×0.1) = 1.4 > 0; planned 2000 × 8.6 = 17,200.
    const result = await run(sharedSystem(10, system), {
      strategy: "cold",
      ttl: "1h",
      concurrency: 4,
    });
    expect(result.groups[0]).toMatchObject({
      primers: [],
      inputUnits: { uncached: 20000, planned: 17200 },
      breakpoints: [{ ttl: "1h", mode: "cold", expectedWrites: 4, expectedReads: 6 }],
    });
    expect(result.summary.waves).toBe(1);
    expect(output(result, "r7").params.system).toEqual([
      { type: "text", text: system, cache_control: ONE_HOUR },
    ]);
  });

  it('ttl "5m" with primer waves warns that the entry may expire between waves', async () => {
    // primed 5m, concurrency 4: the primer writes, its entry is assumed gone by wave 1, where
    // the first 4 write again: writes 1 + 4 = 5, reads 5.
    // 10 − (5×1.25 + 5×0.1) = 3.25 > 0 (cold 5m gives 4.4, so force "primed").
    const result = await run(sharedSystem(10, system), {
      strategy: "primed",
      ttl: "5m",
      concurrency: 4,
    });
    expect(result.groups[0]!.breakpoints).toMatchObject([
      { ttl: "5m", mode: "primed", expectedWrites: 5, expectedReads: 5 },
    ]);
    expect(result.warnings).toEqual([{ kind: "ttl-short-for-waves", waves: 2 }]);
  });

  it("maxWaves 1 turns auto into cold", async () => {
    const result = await run(sharedSystem(10, system), { maxWaves: 1, concurrency: 4 });
    expect(result.summary.waves).toBe(1);
    expect(result.groups[0]!.breakpoints).toMatchObject([{ ttl: "5m", mode: "cold" }]);
  });
});

describe("(i) prefix drift", () => {
  it("warns about a timestamp inside an otherwise identical long system prompt", async () => {
    const body = words("rules", 300);
    const requests = Array.from({ length: 5 }, (_, i) =>
      request(`r${i}`, {
        system: `Current time: 2026-11-22T10:00:0${i}Z. You are a careful assistant. ${body}`,
        user: `ticket ${i}`,
      }),
    );
    const result = await run(requests);
    expect(result.groups).toEqual([]);
    // The texts differ in one character; the sample shows 12 characters either side of it.
    expect(result.warnings).toEqual([
      {
        kind: "prefix-drift",
        model: SONNET,
        segment: "system",
        requests: 5,
        variants: 5,
        sample: ["1-22T10:00:00Z. You are a", "1-22T10:00:01Z. You are a"],
      },
    ]);
  });

  it("finds drift among many unrelated siblings, whatever their order", async () => {
    // 40 one-off requests that share nothing come first, then 20 that drift in a date near the
    // start and 15 that drift in an id near the end: both clusters are found and the larger
    // (20 requests) is reported for the node.
    const body = words("policy", 300);
    const unrelated = Array.from({ length: 40 }, (_, i) =>
      request(`u${i}`, { system: `${words(`other${i}`, 60)} ${words("filler", 10)}`, user: "x" }),
    );
    const dated = Array.from({ length: 20 }, (_, i) =>
      request(`d${i}`, {
        system: `Date: 2026-03-${String(i + 1).padStart(2, "0")}. ${body}`,
        user: `q${i}`,
      }),
    );
    const tagged = Array.from({ length: 15 }, (_, i) =>
      request(`t${i}`, { system: `${words("terms", 300)} Session id ${1000 + i}.`, user: `q${i}` }),
    );
    const result = await run([...unrelated, ...tagged, ...dated], { strategy: "none" });
    const drift = result.warnings.filter((w) => w.kind === "prefix-drift");
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({
      kind: "prefix-drift",
      segment: "system",
      requests: 20,
      variants: 20,
    });
  });
});

describe("(j) more waves for nested prefixes", () => {
  it("with maxWaves 3 puts the document primers in wave 1, after the top primer", async () => {
    const result = await run(documentJob(), { maxWaves: 3 });
    // Wave 0: doc1-q0 writes the top entry and document 1's. Wave 1: doc2-q0 and doc3-q0 read
    // the top entry and write their documents'. Wave 2: the rest read.
    // Top writes once: 1200 × (1×2 + 11×0.1) = 3,720; documents 3 × 6,900 = 20,700;
    // planned = 24,420.
    expect(layout(result)).toEqual([
      [0, ["doc1-q0"]],
      [1, ["doc2-q0", "doc3-q0"]],
      [
        2,
        [
          "doc1-q1",
          "doc1-q2",
          "doc1-q3",
          "doc2-q1",
          "doc2-q2",
          "doc2-q3",
          "doc3-q1",
          "doc3-q2",
          "doc3-q3",
        ],
      ],
    ]);
    const [group] = result.groups;
    expect(group!.primers).toEqual(["doc1-q0", "doc2-q0", "doc3-q0"]);
    expect(group!.breakpoints.map((b) => [b.segment, b.expectedWrites, b.expectedReads])).toEqual([
      ["system[0]", 1, 11],
      ["messages[0].content[0]", 1, 3],
      ["messages[0].content[0]", 1, 3],
      ["messages[0].content[0]", 1, 3],
    ]);
    expect(group!.inputUnits).toEqual({ uncached: 50400, planned: 24420 });
    expect(result.summary.waves).toBe(3);
  });
});

describe("(k) a group larger than maxRequests", () => {
  it("is split across consecutive batches with a group-split warning", async () => {
    const requests = sharedSystem(12, words("rubric", 2000)).map((r, i) => ({
      ...r,
      custom_id: `r${String(i).padStart(2, "0")}`,
    }));
    const result = await run(requests, { maxRequests: 5 });
    expect(layout(result)).toEqual([
      [0, ["r00"]],
      [1, ["r01", "r02", "r03", "r04", "r05"]],
      [1, ["r06", "r07", "r08", "r09", "r10"]],
      [1, ["r11"]],
    ]);
    expect(result.warnings).toEqual([{ kind: "group-split", group: "g1", batches: 3 }]);
  });

  it("keeps groups that fit whole, starting a new batch rather than splitting one", async () => {
    // Two groups of 4: wave 1 has 3 + 3 requests; maxRequests 5 puts each group in its own batch.
    const a = sharedSystem(4, words("rubric-a", 2000)).map((r, i) => ({
      ...r,
      custom_id: `a${i}`,
    }));
    const b = sharedSystem(4, words("rubric-b", 2000)).map((r, i) => ({
      ...r,
      custom_id: `b${i}`,
    }));
    const result = await run([...a, ...b], { maxRequests: 5 });
    expect(layout(result)).toEqual([
      [0, ["a0", "b0"]],
      [1, ["a1", "a2", "a3"]],
      [1, ["b1", "b2", "b3"]],
    ]);
    expect(result.warnings).toEqual([]);
  });
});

describe("(l) token counting", () => {
  it("asks the counter for each distinct shared segment once", async () => {
    const system = words("rubric", 2000);
    const counter = createWordCounter();
    const requests = Array.from({ length: 200 }, (_, i) =>
      request(`r${i}`, { system, user: `ticket ${i}` }),
    );
    const result = await plan(requests, { counter });
    expect(result.groups[0]!.requests).toBe(200);
    // One call for the one model, holding the one shared segment; the 200 unique messages are
    // never shared, so never counted.
    expect(counter.calls).toHaveLength(1);
    expect(counter.calls[0]).toEqual([
      { hash: expect.any(String), model: SONNET, block: { type: "text", text: system } },
    ]);
    expect([...counter.asked.values()]).toEqual([1]);
    expect(result.options.counter).toBe("words");
  });

  it("counts a segment once per model, since tokenizers differ by model", async () => {
    const system = words("rubric", 2000);
    const counter = createWordCounter();
    const requests = [SONNET, OPUS].flatMap((model) =>
      Array.from({ length: 3 }, (_, i) => request(`${model}-${i}`, { model, system })),
    );
    await plan(requests, { counter });
    expect(counter.calls.map((c) => c.map((s) => s.model))).toEqual([[SONNET], [OPUS]]);
  });
});
