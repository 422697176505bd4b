/**
 * Two split levels inside one user string (issue 13, reviewer's wrong-money bug): instructions
 * shared by all, then one of 3 documents, then a question. Planned with `splitText`, the string
 * becomes three text blocks, the document marker on `content[1]`; plan.json must say so (depth 2,
 * nested under the instructions), or the estimate treats the two levels as siblings and prices
 * only the first (it said $0.94 where the emulator bills $0.22). The split plan must describe,
 * and estimate, exactly what the same job written as blocks does.
 */
import { describe, expect, it } from "vitest";
import { compareTargets } from "../../src/estimate/compare.js";
import { estimate } from "../../src/estimate/estimate.js";
import { plan } from "../../src/plan/plan.js";
import { sampleText } from "../../src/sample.js";
import type { BatchRequest, Plan, PlannedGroup } from "../../src/types.js";
import { seededRandom } from "../../src/util/random.js";
import { createWordCounter } from "../helpers/word-counter.js";

const MODEL = "claude-sonnet-4-5"; // minimum cacheable prefix 1,024 tokens (reference §2)
const DOCS = 3;
const QUESTIONS = 40;

const instructions = `Answer from the document only.\n${sampleText(seededRandom(1), 1_900)}\n\n`;
const docs = Array.from(
  { length: DOCS },
  (_, d) => `Document ${d}:\n${sampleText(seededRandom(100 + d), 3_500)}\n\n`,
);
const question = (d: number, q: number) =>
  `Question ${q}: ${sampleText(seededRandom(q * 7 + d), 30)}?`;

/** The job as one user string per request (`asBlocks`: the same text as three text blocks). */
function job(asBlocks: boolean): BatchRequest[] {
  return Array.from({ length: DOCS }).flatMap((_, d) =>
    Array.from({ length: QUESTIONS }, (_, q) => {
      const parts = [instructions, docs[d]!, question(d, q)];
      return {
        custom_id: `d${d}-q${q}`,
        params: {
          model: MODEL,
          max_tokens: 100,
          messages: [
            {
              role: "user" as const,
              content: asBlocks ? parts.map((text) => ({ type: "text", text })) : parts.join(""),
            },
          ],
        },
      };
    }),
  );
}

/** Each breakpoint's segment, depth, requests and parent (the nearest shallower one before it). */
function tree(group: PlannedGroup) {
  const stack: { id: string; depth: number }[] = [];
  return group.breakpoints.map((bp, k) => {
    while (stack.length > 0 && stack[stack.length - 1]!.depth >= bp.depth) stack.pop();
    const parent = stack[stack.length - 1]?.id ?? null;
    stack.push({ id: `b${k + 1}`, depth: bp.depth });
    return { segment: bp.segment, depth: bp.depth, requests: bp.requests, parent };
  });
}

const within = (actual: number, expected: number, share: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * share);

describe("two split levels in one user string: instructions, then a document, then a question", () => {
  const counter = createWordCounter();
  let split: Plan;
  let blocks: Plan;
  const plans = async () => {
    split ??= await plan(job(false), { counter, splitText: true });
    blocks ??= await plan(job(true), { counter });
    return { split, blocks };
  };

  it("plan.json nests the document breakpoints under the instructions, as for blocks", async () => {
    const { split, blocks } = await plans();
    expect(split.groups).toHaveLength(1);
    expect(blocks.groups).toHaveLength(1);
    const splitTree = tree(split.groups[0]!);
    expect(splitTree).toEqual(tree(blocks.groups[0]!));
    expect(splitTree.map((b) => [b.segment, b.depth, b.parent])).toEqual([
      ["messages[0].content[0]", 1, null],
      ["messages[0].content[1]", 2, "b1"],
      ["messages[0].content[1]", 2, "b1"],
      ["messages[0].content[1]", 2, "b1"],
    ]);
  });

  for (const plannedModel of ["simulate", "expected"] as const) {
    it(`estimate (${plannedModel}): the split plan costs what the block plan costs, within 2%`, async () => {
      const { split, blocks } = await plans();
      const options = { counter, plannedModel, sensitivity: false };
      const s = (await estimate(split, options)).total.scenarios;
      const b = (await estimate(blocks, options)).total.scenarios;
      within(s.planned.usd, b.planned.usd, 0.02);
      within(s.ideal.usd, b.ideal.usd, 0.02);
      // Every level is written: the 1h writes are the instructions once and each document once.
      within(s.planned.tokens.cacheWrite1h, b.planned.tokens.cacheWrite1h, 0.02);
      expect(s.planned.usd).toBeLessThan(s.batch.usd * 0.3);
    });
  }

  it("the warning without the flag names the saving the split plan's estimate shows", async () => {
    const { split } = await plans();
    const unsplit = await plan(job(false), { counter });
    const warnings = unsplit.warnings.filter((w) => w.kind === "split-text");
    const saving = warnings.reduce((n, w) => n + (w as { savingUsd: number }).savingUsd, 0);
    const options = { counter, plannedModel: "expected" as const, sensitivity: false };
    const without = (await estimate(unsplit, options)).total.scenarios.planned.usd;
    const withFlag = (await estimate(split, options)).total.scenarios.planned.usd;
    within(saving, without - withFlag, 0.02);
  });

  it("estimate --compare agrees with the main table, and Bedrock's on-demand figure with blocks'", async () => {
    const { split, blocks } = await plans();
    const options = { counter, sensitivity: false };
    const main = (await estimate(split, options)).total.scenarios.planned.usd;
    const ofSplit = await compareTargets(split, options);
    const ofBlocks = await compareTargets(blocks, options);
    const row = (c: typeof ofSplit, id: string) => c.targets.find((t) => t.target === id)!;
    within(row(ofSplit, "anthropic").planned, main, 0.02);
    within(row(ofSplit, "bedrock").onDemandCached!, row(ofBlocks, "bedrock").onDemandCached!, 0.02);
  });

  it("Bedrock on demand caches both levels (requests sent one after another), so it beats batch", async () => {
    const { split } = await plans();
    const options = { counter, sensitivity: false };
    const ofSplit = await compareTargets(split, options);
    const anthropic = ofSplit.targets.find((t) => t.target === "anthropic")!;
    const bedrock = ofSplit.targets.find((t) => t.target === "bedrock")!;
    // On demand = the ideal (each entry written once, instructions and documents) without the
    // batch discount: about twice Anthropic's batch ideal, far below Bedrock's batch cost. Priced
    // as a batch of 64 at once, the documents went unmarked and on demand looked 4x dearer.
    expect(bedrock.onDemandCached!).toBeLessThan(anthropic.planned * 2 * 1.1);
    expect(bedrock.onDemandCached!).toBeLessThan(bedrock.batch * 0.5);
  });
});
