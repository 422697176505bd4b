/**
 * Shared text inside one string (issue 13): worked examples. A templated few-shot job (one user
 * string per request: instructions and examples, then the question) gets no group without
 * `splitText`, only a `split-text` warning naming the saving; with it, the shared part becomes its
 * own marked text block and the job is grouped like its block-structured twin.
 */
import { describe, expect, it } from "vitest";
import { estimate } from "../../src/estimate/estimate.js";
import { renderEstimate } from "../../src/estimate/render.js";
import { plan } from "../../src/plan/plan.js";
import { formatWarning, type PlanWarning } from "../../src/plan/warnings.js";
import { removeMarkers } from "../../src/request/markers.js";
import { sampleText } from "../../src/sample.js";
import { simulate } from "../../src/sim/simulate.js";
import { prepareTokens } from "../../src/sim/tokens.js";
import { createTiktokenCounter } from "../../src/tokens/tiktoken.js";
import type { BatchRequest } from "../../src/types.js";
import { seededRandom } from "../../src/util/random.js";
import { runCli } from "../helpers/cli.js";
import { createWordCounter } from "../helpers/word-counter.js";

const MODEL = "claude-sonnet-4-5"; // minimum cacheable prefix 1,024 tokens (reference §2)

const random = seededRandom(13);
/** Instructions and 12 examples: ~2,400 words, one line each. */
const SHOTS = [
  `Classify the review as positive or negative. ${sampleText(random, 200)}`,
  ...Array.from({ length: 12 }, (_, k) => `Example ${k}: ${sampleText(random, 180)} => positive`),
].join("\n");

function fewShotString(n: number): BatchRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    custom_id: `q-${i}`,
    params: {
      model: MODEL,
      max_tokens: 8,
      messages: [
        { role: "user", content: `${SHOTS}\n\nReview: ${sampleText(seededRandom(i), 60)}` },
      ],
    },
  }));
}

const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : (content as { text: string }[]).map((b) => b.text).join("");

describe("a templated few-shot job (one user string per request)", () => {
  it("without splitText: no group, one split-text warning with requests, tokens and USD", async () => {
    const planned = await plan(fewShotString(40), { counter: createWordCounter() });
    expect(planned.groups).toEqual([]);
    expect(planned.summary.markersAdded).toBe(0);
    const warning = planned.warnings.find((w) => w.kind === "split-text") as Extract<
      PlanWarning,
      { kind: "split-text" }
    >;
    expect(warning).toBeDefined();
    expect(warning.requests).toBe(40);
    expect(warning.segment).toBe("messages[0].content");
    expect(warning.sharedTokens).toBeGreaterThan(2_000);
    expect(warning.savingUsd).toBeGreaterThan(0);
    expect(formatWarning(warning)).toContain("--split-text would save ~$");
    // Requests go out exactly as written.
    const out = planned.batches.flatMap((b) => b.requests);
    expect(out.map((r) => r.params.messages[0]!.content)).toEqual(
      fewShotString(40).map((r) => r.params.messages[0]!.content),
    );
  });

  it("estimate shows what --split-text would save, as a line and in the result", async () => {
    const counter = createWordCounter();
    const planned = await plan(fewShotString(40), { counter });
    const warning = planned.warnings.find((w) => w.kind === "split-text")!;
    const result = await estimate(planned, { counter, plannedModel: "expected" });
    expect(result.splitText).toEqual({
      groups: 1,
      requests: 40,
      savingUsd: (warning as { savingUsd: number }).savingUsd,
    });
    const text = renderEstimate(result);
    expect(text).toContain(`with --split-text: $${result.splitText!.savingUsd.toFixed(2)} less`);
    // A plan made with the flag has nothing more to gain: no line.
    const split = await estimate(await plan(fewShotString(40), { counter, splitText: true }), {
      counter,
      plannedModel: "expected",
    });
    expect(split.splitText).toBeUndefined();
    expect(renderEstimate(split)).not.toContain("with --split-text");
  });

  it("with splitText: one group, the shared part its own marked block, the text unchanged", async () => {
    const input = fewShotString(40);
    const planned = await plan(input, { counter: createWordCounter(), splitText: true });
    expect(planned.options.splitText).toBe(true);
    expect(planned.warnings.filter((w) => w.kind === "split-text")).toEqual([]);
    expect(planned.groups).toHaveLength(1);
    const [group] = planned.groups;
    expect(group!.requests).toBe(40);
    expect(group!.breakpoints.map((b) => [b.segment, b.depth])).toEqual([
      ["messages[0].content[0]", 1],
    ]);
    const out = planned.batches.flatMap((b) => b.requests);
    expect(planned.summary.markersAdded).toBe(40);
    const byId = new Map(input.map((r) => [r.custom_id, r]));
    const shared = new Set<string>();
    for (const request of out) {
      const content = request.params.messages[0]!.content as {
        type: string;
        text: string;
        cache_control?: unknown;
      }[];
      expect(Array.isArray(content)).toBe(true);
      expect(content).toHaveLength(2);
      // The shared part ends at the last line end both share: the examples and the blank line.
      expect(content[0]!.text).toBe(`${SHOTS}\n\n`);
      expect(content[0]!.cache_control).toEqual({ type: "ephemeral", ttl: "1h" });
      expect(content[1]!.cache_control).toBeUndefined();
      expect(textOf(content)).toBe(byId.get(request.custom_id)!.params.messages[0]!.content);
      shared.add(JSON.stringify(content[0]));
    }
    expect(shared.size).toBe(1);
  });

  it("cacheplan plan --split-text reads the flag (standard input, --json)", async () => {
    const stdin = fewShotString(40)
      .map((r) => JSON.stringify(r))
      .join("\n");
    const off = JSON.parse((await runCli(["plan", "-", "--json"], { stdin })).stdout);
    expect(off.options.splitText).toBeUndefined();
    expect(off.groups).toEqual([]);
    const on = JSON.parse(
      (await runCli(["plan", "-", "--split-text", "--json"], { stdin })).stdout,
    );
    expect(on.options.splitText).toBe(true);
    expect(on.groups).toHaveLength(1);
    expect(on.summary.markersAdded).toBe(40);
  });

  it("retry's marker remover takes the split markers off and keeps the blocks split", async () => {
    const input = fewShotString(10);
    const planned = await plan(input, { counter: createWordCounter(), splitText: true });
    const labels = planned.groups[0]!.breakpoints.map((b) => b.segment);
    for (const request of planned.batches.flatMap((b) => b.requests)) {
      const bare = removeMarkers(request, labels);
      const content = bare.params.messages[0]!.content as { text: string }[];
      expect(content).toEqual([
        { type: "text", text: content[0]!.text },
        { type: "text", text: content[1]!.text },
      ]);
      expect(JSON.stringify(bare)).not.toContain("cache_control");
      expect(textOf(content)).toBe(
        input.find((r) => r.custom_id === request.custom_id)!.params.messages[0]!.content,
      );
    }
  });

  it("simulate() of the split plan reads the shared part from the cache", async () => {
    const planned = await plan(fewShotString(40), { splitText: true });
    const job = { batches: planned.batches.map((b) => ({ wave: b.wave, requests: b.requests })) };
    const result = simulate(job, {
      tokensOf: await prepareTokens(job, createTiktokenCounter()),
      seed: 1,
    });
    let reads = 0;
    for (const { response } of result.requests) {
      if (response.result.type !== "succeeded") throw new Error("not succeeded");
      if ((response.result.message.usage.cache_read_input_tokens ?? 0) > 2_000) reads += 1;
    }
    expect(reads).toBe(39); // every request but the primer
  });
});

describe("nested shared text in one string: instructions for all, a document per question set", () => {
  const instructions = `Answer from the document only. ${sampleText(seededRandom(1), 1_400)}`;
  const docs = [0, 1].map((d) => `Document ${d}:\n${sampleText(seededRandom(100 + d), 1_500)}`);
  const job: BatchRequest[] = [0, 1].flatMap((d) =>
    Array.from({ length: 12 }, (_, q) => ({
      custom_id: `d${d}-q${q}`,
      params: {
        model: MODEL,
        max_tokens: 50,
        system: `${instructions}\n\n${docs[d]}\n\nQuestion ${q}: ${sampleText(seededRandom(q * 7 + d), 30)}?`,
        messages: [{ role: "user", content: "Answer the question in the system prompt." }],
      },
    })),
  );

  it("splits the system string twice and marks both shared parts", async () => {
    const planned = await plan(job, { counter: createWordCounter(), splitText: true });
    expect(planned.groups).toHaveLength(1);
    expect(planned.groups[0]!.breakpoints.map((b) => [b.segment, b.requests])).toEqual([
      ["system[0]", 24],
      ["system[1]", 12],
      ["system[1]", 12],
    ]);
    for (const request of planned.batches.flatMap((b) => b.requests)) {
      const system = request.params.system as { text: string; cache_control?: unknown }[];
      expect(system).toHaveLength(3);
      expect(system[0]!.text).toBe(`${instructions}\n\n`);
      expect(system[1]!.text.startsWith("Document ")).toBe(true);
      expect(system[1]!.text.endsWith("\n\n")).toBe(true);
      expect(system.slice(0, 2).every((b) => b.cache_control !== undefined)).toBe(true);
      expect(system[2]!.cache_control).toBeUndefined();
      const original = job.find((r) => r.custom_id === request.custom_id)!.params.system;
      expect(textOf(system)).toBe(original);
    }
  });

  it("without splitText: one warning for the group, nothing marked", async () => {
    const planned = await plan(job, { counter: createWordCounter() });
    expect(planned.groups).toEqual([]);
    const warnings = planned.warnings.filter((w) => w.kind === "split-text");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ requests: 24, segment: "system" });
  });
});
