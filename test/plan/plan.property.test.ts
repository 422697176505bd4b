/**
 * Properties of `plan()` over generated jobs: a few models, tool lists, system prompts and
 * documents drawn from small pools (so prefixes are shared), string and block content, markers
 * already in some requests, some invalid requests, and batch limits small enough to force splits.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BatchRequest,
  type CacheTtl,
  defaultModelTable,
  type Plan,
  type PlanOptions,
  plan,
} from "../../src/index.js";
import { API_MAX_BYTES } from "../../src/targets/anthropic/index.js";
import {
  blocksOf,
  deepFreeze,
  effectiveTtl,
  has1hAfter5m,
  markerCount,
  normalised,
  prefixKeys,
  text,
  tool,
  ttlOfMarker,
} from "../helpers/requests.js";
import { blockTokens, createWordCounter, words } from "../helpers/word-counter.js";

type Json = Record<string, unknown>;

/** Runs per property; raise it for a deeper search, e.g. `PROPERTY_RUNS=2000 npx vitest run`. */
const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 60);

// Minimums (reference §2): Sonnet 4.5 1,024; Opus 5.5 512; Haiku 4.5 4,096.
const MODELS = ["claude-sonnet-4-5", "claude-opus-5-5", "claude-haiku-4-5"] as const;

const LOOKUP = tool("lookup", words("L", 600));
const FETCH = tool("fetch", words("F", 500));
/** Shared by reference between requests on purpose: a mutation would show in other requests. */
const TOOL_POOL: Array<Json[] | undefined> = [
  undefined,
  [LOOKUP],
  [LOOKUP, FETCH],
  // Marks the same first tool that entries 1 and 2 leave unmarked: inconsistent markers.
  [{ ...LOOKUP, cache_control: { type: "ephemeral", ttl: "1h" } }, FETCH],
];
const SYSTEM_POOL: Array<string | Json[] | undefined> = [
  undefined,
  words("S", 900),
  [text(words("T", 1500))],
  [text(words("U", 600)), text(words("V", 3000))],
  // Marked by the user in every request that has it: a consistent user breakpoint.
  [text(words("W", 1500), "1h")],
  // The same text as pool entry 2 as a string: the same prefix.
  words("T", 1500),
];
const DOC_POOL: Array<string | null> = [null, words("D", 400), words("E", 2000), words("G", 4500)];
const POOLS_BEFORE = structuredClone({ TOOL_POOL, SYSTEM_POOL });

const INVALID = [
  "no-max-tokens",
  "stream",
  "speed",
  "zero-max-tokens",
  "bad-id",
  "five-markers",
  "not-an-object",
  "duplicate-id",
] as const;
type Invalid = (typeof INVALID)[number];

interface Spec {
  model: number;
  tools: number;
  system: number;
  doc: number;
  question: number;
  shape: 0 | 1 | 2;
  stringContent: boolean;
  markers: Array<{ at: number; ttl: CacheTtl }>;
  topLevel: CacheTtl | null;
  maxTokens: number;
  invalid: Invalid | null;
}

const ttlArb = fc.constantFrom<CacheTtl>("5m", "1h");

/** Pool indices, repeated to weight the draw towards shared, cacheable prefixes. */
const specArb: fc.Arbitrary<Spec> = fc.record({
  model: fc.constantFrom(0, 0, 0, 0, 1, 1, 2),
  tools: fc.constantFrom(0, 0, 1, 2, 2, 3),
  system: fc.constantFrom(0, 1, 2, 2, 2, 3, 3, 4, 5),
  doc: fc.constantFrom(0, 1, 2, 2, 3),
  question: fc.nat(5),
  shape: fc.constantFrom<0 | 1 | 2>(0, 0, 1, 2),
  stringContent: fc.boolean(),
  markers: fc.oneof(
    { weight: 8, arbitrary: fc.constant<Spec["markers"]>([]) },
    { weight: 1, arbitrary: fc.array(fc.record({ at: fc.nat(9), ttl: ttlArb }), { maxLength: 3 }) },
  ),
  topLevel: fc.oneof(
    { weight: 12, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: ttlArb },
  ),
  maxTokens: fc.constantFrom(1, 64, 1000),
  invalid: fc.oneof(
    { weight: 12, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom(...INVALID) },
  ),
});

function build(spec: Spec, index: number): unknown {
  const model = MODELS[spec.model]!;
  const doc = DOC_POOL[spec.doc] ?? null;
  const question = `question ${spec.question}`;
  const first: Json[] = doc === null ? [text(question)] : [text(doc), text(question)];
  const messages: Json[] = [];
  const firstContent = spec.stringContent && doc === null ? question : first;
  messages.push({ role: "user", content: firstContent });
  if (spec.shape === 1) {
    messages.push({ role: "assistant", content: [text(`answer ${spec.question}`)] });
    messages.push({
      role: "user",
      content: spec.stringContent ? "and then?" : [text("and then?")],
    });
  } else if (spec.shape === 2) {
    messages.push({
      role: "assistant",
      content: [
        text("calling"),
        { type: "tool_use", id: "u1", name: "lookup", input: { q: "a" } },
        { type: "tool_use", id: "u2", name: "lookup", input: { q: "b" } },
      ],
    });
    messages.push({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "u1", content: "one" },
        { type: "tool_result", tool_use_id: "u2", content: "two" },
      ],
    });
  }
  // Markers go on message blocks (fresh objects per request), wrapping around the block count.
  const arrays = messages.flatMap((m) => (Array.isArray(m.content) ? [m.content as Json[]] : []));
  const slots = arrays.flatMap((content) => content.map((_, i) => ({ content, i })));
  for (const { at, ttl } of spec.markers) {
    const slot = slots[at % Math.max(1, slots.length)];
    if (slot)
      slot.content[slot.i] = {
        ...slot.content[slot.i],
        cache_control: ttl === "1h" ? { type: "ephemeral", ttl: "1h" } : { type: "ephemeral" },
      };
  }
  const params: Json = { model, max_tokens: spec.maxTokens };
  const tools = TOOL_POOL[spec.tools];
  if (tools !== undefined) params.tools = tools;
  const system = SYSTEM_POOL[spec.system];
  if (system !== undefined) params.system = system;
  params.messages = messages;
  if (spec.topLevel !== null)
    params.cache_control =
      spec.topLevel === "1h" ? { type: "ephemeral", ttl: "1h" } : { type: "ephemeral" };
  const req: Json = { custom_id: `r${index}`, params };
  switch (spec.invalid) {
    case null:
      break;
    case "no-max-tokens":
      delete params.max_tokens;
      break;
    case "stream":
      params.stream = true;
      break;
    case "speed":
      params.speed = "fast";
      break;
    case "zero-max-tokens":
      params.max_tokens = 0;
      break;
    case "bad-id":
      req.custom_id = `bad id ${index}`;
      break;
    case "five-markers":
      params.messages = [
        { role: "user", content: ["a", "b", "c", "d", "e"].map((t) => text(t, "5m")) },
      ];
      break;
    case "not-an-object":
      return `not a request ${index}`;
    case "duplicate-id":
      req.custom_id = `r${Math.max(0, index - 1)}`;
      break;
  }
  return req;
}

interface Job {
  inputs: unknown[];
  options: PlanOptions;
}

const jobArb: fc.Arbitrary<Job> = fc
  .record({
    specs: fc.array(specArb, { minLength: 1, maxLength: 40, size: "large" }),
    strategy: fc.constantFrom("auto", "auto", "auto", "primed", "cold", "none") as fc.Arbitrary<
      NonNullable<PlanOptions["strategy"]>
    >,
    ttl: fc.constantFrom("auto", "5m", "1h") as fc.Arbitrary<NonNullable<PlanOptions["ttl"]>>,
    userMarkers: fc.constantFrom("keep", "replace") as fc.Arbitrary<"keep" | "replace">,
    maxRequests: fc.integer({ min: 1, max: 8 }),
    maxBytes: fc.oneof(fc.constant(API_MAX_BYTES), fc.integer({ min: 8_000, max: 80_000 })),
    maxWaves: fc.integer({ min: 1, max: 4 }),
    concurrency: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(64)),
  })
  .map(({ specs, strategy, maxWaves, ...rest }) => {
    const options: PlanOptions = {
      ...rest,
      strategy,
      // `strategy: "primed"` needs a wave for primers.
      maxWaves: strategy === "primed" ? Math.max(2, maxWaves) : maxWaves,
    };
    return {
      inputs: specs.map(build),
      options,
      // Counterexamples print as specs (pool indices), not as pages of filler words.
      [fc.toStringMethod]: () => `${JSON.stringify(options)} ${JSON.stringify(specs)}`,
    };
  });

function run(job: Job): Promise<Plan> {
  return plan(job.inputs, { ...job.options, counter: createWordCounter() });
}

function plannedRequests(result: Plan): BatchRequest[] {
  return result.batches.flatMap((b) => b.requests);
}

/** Planned input requests by custom_id: the inputs whose line was not rejected. */
function acceptedInputs(job: Job, result: Plan): Map<string, BatchRequest> {
  const rejectedLines = new Set(result.rejected.map((r) => r.line));
  const out = new Map<string, BatchRequest>();
  job.inputs.forEach((input, i) => {
    if (!rejectedLines.has(i + 1)) {
      const req = input as BatchRequest;
      out.set(req.custom_id, req);
    }
  });
  return out;
}

const check = (property: (job: Job, result: Plan) => void | Promise<void>) =>
  fc.assert(
    fc.asyncProperty(jobArb, async (job) => {
      await property(job, await run(job));
    }),
    { numRuns: NUM_RUNS },
  );

describe("plan() properties", () => {
  it("puts every input request in exactly one batch or in rejected", () =>
    check((job, result) => {
      const placed = plannedRequests(result).map((r) => r.custom_id);
      expect(new Set(placed).size).toBe(placed.length);
      const { summary } = result;
      expect(summary.inputRequests).toBe(job.inputs.length);
      expect(summary.planned).toBe(placed.length);
      expect(summary.rejected).toBe(result.rejected.length);
      expect(summary.planned + summary.rejected).toBe(summary.inputRequests);
      // Each rejection names a distinct input position.
      const lines = result.rejected.map((r) => r.line);
      expect(new Set(lines).size).toBe(lines.length);
      for (const line of lines) {
        expect(line).toBeGreaterThanOrEqual(1);
        expect(line).toBeLessThanOrEqual(job.inputs.length);
      }
      // Every input not rejected is planned under its own custom_id.
      const accepted = acceptedInputs(job, result);
      expect(accepted.size).toBe(summary.planned);
      expect([...accepted.keys()].sort()).toEqual([...placed].sort());
      // Requests per model add up.
      const byModel: Record<string, number> = {};
      for (const r of plannedRequests(result))
        byModel[r.params.model] = (byModel[r.params.model] ?? 0) + 1;
      expect(summary.byModel).toEqual(byModel);
    }));

  it("changes nothing but cache_control", () =>
    check((job, result) => {
      const accepted = acceptedInputs(job, result);
      for (const out of plannedRequests(result)) {
        expect(normalised(out)).toEqual(normalised(accepted.get(out.custom_id)));
      }
    }));

  it("leaves at most 4 markers on every request, the top-level one included", () =>
    check((_job, result) => {
      for (const out of plannedRequests(result)) expect(markerCount(out)).toBeLessThanOrEqual(4);
    }));

  it("marks requests that share a prefix identically", () =>
    check((job, result) => {
      // Reference fact 1: requests that should share an entry need the same breakpoint. Any two
      // planned requests sharing the prefix up to a block carry the same marker on it, unless a
      // marker was already on that block in the input (kept, and reported when inconsistent).
      const accepted = acceptedInputs(job, result);
      const replace = job.options.userMarkers === "replace";
      const classes = new Map<string, Array<{ out: BatchRequest; d: number }>>();
      for (const out of plannedRequests(result)) {
        prefixKeys(out).forEach((key, d) => {
          const list = classes.get(key) ?? [];
          list.push({ out, d });
          classes.set(key, list);
        });
      }
      for (const members of classes.values()) {
        if (members.length < 2) continue;
        const userMarked = members.some(
          ({ out, d }) =>
            ttlOfMarker(blocksOf(accepted.get(out.custom_id)!)[d]!.block.cache_control) !== null,
        );
        if (userMarked && !replace) continue;
        const ttls = new Set(
          members.map(({ out, d }) => ttlOfMarker(blocksOf(out)[d]!.block.cache_control)),
        );
        expect(ttls.size).toBe(1);
      }
    }));

  it("carries every group breakpoint on every request under it, with its prefix counted", () =>
    check((_job, result) => {
      const byId = new Map(plannedRequests(result).map((r) => [r.custom_id, r]));
      const keysOf = new Map([...byId].map(([id, r]) => [id, prefixKeys(r)]));
      // All planned requests per prefix identity.
      const sharing = new Map<string, string[]>();
      for (const [id, keys] of keysOf) {
        for (const key of keys) sharing.set(key, [...(sharing.get(key) ?? []), id]);
      }
      const asArray = (label: string) => label.replace(/(^system|\.content)$/, "$1[0]");
      for (const group of result.groups) {
        expect(group.requests).toBe(group.customIds.length);
        expect(group.requests).toBeGreaterThanOrEqual(2);
        const minimum = defaultModelTable.get(group.model)!.minCacheableTokens;
        const members = new Set(group.customIds);
        const top = group.breakpoints[0]!;
        expect(top.requests).toBe(group.requests);
        expect(group.sharedTokens).toBe(top.prefixTokens);
        const used = new Set<string>();
        for (const bp of group.breakpoints) {
          if (bp.origin === "planner") expect(bp.prefixTokens).toBeGreaterThanOrEqual(minimum);
          // A prefix identity shared by exactly the breakpoint's requests, all in the group,
          // each with the marker on the breakpoint's segment, and as many tokens as the word
          // counter gives the prefix.
          const match = group.customIds
            .map((id) => keysOf.get(id)![bp.depth - 1])
            .find((key) => {
              if (key === undefined || used.has(key)) return false;
              const ids = sharing.get(key)!;
              const blocks = blocksOf(byId.get(ids[0]!)!);
              const tokens = blocks
                .slice(0, bp.depth)
                .reduce((sum, b) => sum + blockTokens(b.block), 0);
              return (
                ids.length === bp.requests &&
                tokens === bp.prefixTokens &&
                ids.every((id) => {
                  const out = byId.get(id)!;
                  const block = blocksOf(out)[bp.depth - 1]!;
                  return (
                    members.has(id) &&
                    // A marked shorthand string is a one-block array in the output.
                    asArray(block.label) === asArray(bp.segment) &&
                    // A user breakpoint may be a top-level marker landing on the last block.
                    effectiveTtl(out, bp.depth - 1) === bp.ttl
                  );
                })
              );
            });
          expect(match, `${bp.id} at ${bp.segment}`).toBeDefined();
          used.add(match!);
        }
      }
    }));

  it("keeps every batch within maxRequests and maxBytes, with bytes measured on the body", () =>
    check((job, result) => {
      const maxRequests = job.options.maxRequests!;
      const maxBytes = job.options.maxBytes!;
      let wave = 0;
      result.batches.forEach((batch, index) => {
        expect(batch.index).toBe(index);
        expect(batch.wave).toBeGreaterThanOrEqual(wave);
        wave = batch.wave;
        expect(batch.requestCount).toBe(batch.requests.length);
        expect(batch.requestCount).toBeGreaterThanOrEqual(1);
        expect(batch.requestCount).toBeLessThanOrEqual(maxRequests);
        expect(batch.bytes).toBe(Buffer.byteLength(JSON.stringify({ requests: batch.requests })));
        expect(batch.bytes).toBeLessThanOrEqual(maxBytes);
      });
      expect(result.summary.batches).toBe(result.batches.length);
      if (result.batches.length > 0) expect(result.summary.waves).toBe(wave + 1);
    }));

  it("keeps each group's requests contiguous within each wave", () =>
    check((_job, result) => {
      const waves = new Map<number, string[]>();
      for (const batch of result.batches) {
        waves.set(batch.wave, [
          ...(waves.get(batch.wave) ?? []),
          ...batch.requests.map((r) => r.custom_id),
        ]);
      }
      for (const group of result.groups) {
        for (const ids of waves.values()) {
          const positions = ids
            .map((id, k) => (group.customIds.includes(id) ? k : -1))
            .filter((k) => k >= 0);
          if (positions.length === 0) continue;
          expect(positions.at(-1)! - positions[0]! + 1, group.id).toBe(positions.length);
        }
      }
    }));

  it("puts each group's primers in an earlier wave than the rest", () =>
    check((_job, result) => {
      const waveOf = new Map(
        result.batches.flatMap((b) => b.requests.map((r) => [r.custom_id, b.wave] as const)),
      );
      const last = result.summary.waves - 1;
      for (const group of result.groups) {
        for (const id of group.primers) expect(waveOf.get(id)!).toBeLessThan(last);
        for (const id of group.customIds)
          if (!group.primers.includes(id)) expect(waveOf.get(id)).toBe(last);
      }
    }));

  it("never puts a 1h marker after a 5m marker (tools → system → messages)", () =>
    check((job, result) => {
      // Reference fact 6. Markers kept from the input are the user's; only check requests whose
      // own markers were in order.
      const accepted = acceptedInputs(job, result);
      const replace = job.options.userMarkers === "replace";
      for (const out of plannedRequests(result)) {
        if (!replace && has1hAfter5m(accepted.get(out.custom_id)!)) continue;
        expect(has1hAfter5m(out), out.custom_id).toBe(false);
      }
    }));

  it("never marks the last block with a TTL other than a top-level marker's", () =>
    check((job, result) => {
      // Reference §1.4: top-level `cache_control` plus a different TTL on the last block is a
      // 400. (Every block these jobs generate is eligible, so the last block is the target.)
      // Inputs that already conflict are the user's; only check the others.
      const conflict = (req: BatchRequest) => {
        const top = ttlOfMarker((req.params as unknown as Json).cache_control);
        const last = ttlOfMarker(blocksOf(req).at(-1)!.block.cache_control);
        return top !== null && last !== null && last !== top;
      };
      const accepted = acceptedInputs(job, result);
      for (const out of plannedRequests(result)) {
        if (conflict(accepted.get(out.custom_id)!)) continue;
        expect(conflict(out), out.custom_id).toBe(false);
      }
    }));

  it("is deterministic, from an array or an async iterable", () =>
    check(async (job, result) => {
      const again = await run(job);
      expect(JSON.stringify(again)).toBe(JSON.stringify(result));
      async function* stream() {
        for (const item of job.inputs) {
          await Promise.resolve();
          yield item;
        }
      }
      const streamed = await plan(stream(), { ...job.options, counter: createWordCounter() });
      expect(JSON.stringify(streamed)).toBe(JSON.stringify(result));
    }));

  it("does not mutate its input", () =>
    fc.assert(
      fc.asyncProperty(jobArb, async (job) => {
        const before = structuredClone(job.inputs);
        // Frozen: a write would throw (modules run in strict mode).
        const frozen = { ...job, inputs: job.inputs.map((x) => deepFreeze(structuredClone(x))) };
        await run(frozen);
        await run(job);
        expect(job.inputs).toEqual(before);
        // The pool objects shared between requests too.
        expect({ TOOL_POOL, SYSTEM_POOL }).toEqual(POOLS_BEFORE);
      }),
      { numRuns: NUM_RUNS },
    ));
});
