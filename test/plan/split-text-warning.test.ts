/**
 * The `split-text` warning names what `--split-text` saves (issue 13 items 3 and 5): its savings,
 * summed, match what the estimate finds between the plan made without the flag and the plan made
 * with it; and `prefix-drift` stays silent where split text explains the sharing (a short variable
 * part after a shared template), while it still fires for real drift.
 */
import { describe, expect, it } from "vitest";
import { estimate } from "../../src/estimate/estimate.js";
import { plan } from "../../src/plan/plan.js";
import { formatWarning, type PlanWarning } from "../../src/plan/warnings.js";
import { defaultModelTable } from "../../src/pricing/models.js";
import { sampleText } from "../../src/sample.js";
import { BATCH_MULTIPLIER } from "../../src/targets/anthropic/prices.js";
import type { BatchRequest } from "../../src/types.js";
import { seededRandom } from "../../src/util/random.js";
import { createWordCounter } from "../helpers/word-counter.js";

const MODEL = "claude-sonnet-4-5"; // minimum cacheable prefix 1,024 tokens (reference §2)
type SplitText = Extract<PlanWarning, { kind: "split-text" }>;

const lines = (seed: number, count: number, words: number) => {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => sampleText(random, words)).join("\n");
};

/** `families` task families, each its own ~1,600-word instructions, `per` reviews each. */
function families(count: number, per: number): BatchRequest[] {
  const out: BatchRequest[] = [];
  for (let f = 0; f < count; f++) {
    const shots = lines(100 + f, 8, 200);
    for (let i = 0; i < per; i++) {
      out.push({
        custom_id: `f${f}-${i}`,
        params: {
          model: MODEL,
          max_tokens: 8,
          messages: [
            {
              role: "user",
              content: `${shots}\n\nReview: ${sampleText(seededRandom(1000 * f + i), 40)}`,
            },
          ],
        },
      });
    }
  }
  return out;
}

/** Shared instructions, then one of `docs` documents, then a question: one user string. */
function docQa(docs: number, per: number): BatchRequest[] {
  const instructions = lines(7, 4, 150);
  const out: BatchRequest[] = [];
  for (let d = 0; d < docs; d++) {
    const doc = lines(500 + d, 6, 200);
    for (let i = 0; i < per; i++) {
      out.push({
        custom_id: `d${d}-${i}`,
        params: {
          model: MODEL,
          max_tokens: 8,
          messages: [
            {
              role: "user",
              content: `${instructions}\n\n${doc}\n\nQuestion: ${sampleText(seededRandom(77 * d + i), 30)}`,
            },
          ],
        },
      });
    }
  }
  return out;
}

/** Planned cost without the flag − with it, by the estimate (the plan's expected model). */
async function savedByFlag(requests: BatchRequest[]) {
  const counter = createWordCounter();
  const without = await plan(requests, { counter });
  const withFlag = await plan(requests, { counter, splitText: true });
  const cost = async (p: typeof without) =>
    (await estimate(p, { counter, plannedModel: "expected" })).total.scenarios.planned.usd;
  const warnings = without.warnings.filter((w): w is SplitText => w.kind === "split-text");
  // USD of one input-token unit at batch price: the warnings' units, not their rounded cents.
  const perUnit = (defaultModelTable.get(MODEL)!.inputPerMTok * BATCH_MULTIPLIER) / 1e6;
  return {
    warnings,
    warned: warnings.reduce((sum, w) => sum + w.savedInputUnits, 0) * perUnit,
    realised: (await cost(without)) - (await cost(withFlag)),
    estimated: (await estimate(without, { counter, plannedModel: "expected" })).splitText,
  };
}

/** Tolerance: 2% of the saving (the warnings' units are rounded to whole units). */
const TOLERANCE = 0.02;

describe("the split-text warning's saving", () => {
  it("adds up over every group: 26 groups give 19 listed warnings and one for the other 7", async () => {
    const { warnings, warned, realised, estimated } = await savedByFlag(families(26, 12));
    expect(warnings).toHaveLength(20);
    expect(warnings.slice(0, 19).every((w) => w.groups === undefined)).toBe(true);
    expect(warnings[19]!.groups).toBe(7);
    expect(warnings[19]!.requests).toBe(7 * 12);
    expect(formatWarning(warnings[19]!)).toContain("7 more groups");
    expect(realised).toBeGreaterThan(0);
    expect(Math.abs(warned - realised)).toBeLessThanOrEqual(TOLERANCE * realised);
    // estimate's "with --split-text" line sums the same warnings: every group, every request.
    expect(estimated).toMatchObject({ groups: 26, requests: 26 * 12 });
  });

  it("matches the estimate on nested sharing (instructions, then a document per question group)", async () => {
    const { warned, realised } = await savedByFlag(docQa(8, 10));
    expect(realised).toBeGreaterThan(0);
    expect(Math.abs(warned - realised)).toBeLessThanOrEqual(TOLERANCE * realised);
  });
});

describe("prefix-drift next to split text", () => {
  const drift = (p: { warnings: PlanWarning[] }) =>
    p.warnings.filter((w) => w.kind === "prefix-drift");

  /** A long shared template, then a short variable part (a name): what split-text is for. */
  const templated = (n: number): BatchRequest[] =>
    Array.from({ length: n }, (_, i) => ({
      custom_id: `t${i}`,
      params: {
        model: MODEL,
        max_tokens: 8,
        messages: [{ role: "user", content: `${lines(3, 8, 200)}\n\nCustomer: client-${i}` }],
      },
    }));

  /** A timestamp at the start of an otherwise shared system prompt: real drift. */
  const stamped = (n: number): BatchRequest[] =>
    Array.from({ length: n }, (_, i) => ({
      custom_id: `s${i}`,
      params: {
        model: MODEL,
        max_tokens: 8,
        system: `Generated at 2026-12-01T10:${String(i).padStart(2, "0")}:00Z. ${lines(4, 8, 200)}`,
        messages: [{ role: "user", content: `Question ${i}` }],
      },
    }));

  it("is silent when the split-text warning (or the split) explains the sharing", async () => {
    const counter = createWordCounter();
    const without = await plan(templated(30), { counter });
    expect(without.warnings.some((w) => w.kind === "split-text")).toBe(true);
    expect(drift(without)).toEqual([]);
    const withFlag = await plan(templated(30), { counter, splitText: true });
    expect(withFlag.groups).toHaveLength(1);
    expect(drift(withFlag)).toEqual([]);
  });

  it("still fires for a real drift, with the flag or without", async () => {
    const counter = createWordCounter();
    for (const splitText of [false, true]) {
      const planned = await plan(stamped(30), { counter, splitText });
      expect(drift(planned)).toHaveLength(1);
      expect(drift(planned)[0]).toMatchObject({ segment: "system", requests: 30 });
    }
  });
});
