/**
 * `estimate --compare` (issue 15 item 3): the same job priced on Anthropic, Vertex and Bedrock.
 */
import { describe, expect, it } from "vitest";
import { compareTargets, renderComparison } from "../../src/estimate/compare.js";
import { plan } from "../../src/index.js";
import { request, text } from "../helpers/requests.js";

const LONG = "Shared instructions for every request of this job. ".repeat(400);

function job(n: number, model: string, shared: boolean) {
  return Array.from({ length: n }, (_, i) =>
    request(`r${i}`, {
      model,
      max_tokens: 200,
      system: [text(shared ? LONG : `${i} ${LONG}`)],
      user: `question ${i}`,
    }),
  );
}

const byTarget = async (requests: unknown[]) => {
  const c = await compareTargets(await plan(requests), { outputTokens: 50, sensitivity: false });
  return { c, t: Object.fromEntries(c.targets.map((t) => [t.target, t])) };
};

describe("compareTargets", { timeout: 180_000 }, () => {
  it("prices a shared-prefix job on all three targets with their own rules", async () => {
    const { c, t } = await byTarget(job(150, "claude-sonnet-4-6", true));
    expect(c.targets.map((x) => x.target)).toEqual(["anthropic", "vertex", "bedrock"]);
    const { anthropic, vertex, bedrock } = t as Record<string, (typeof c.targets)[number]>;
    // Vertex: same plan and multipliers, regional rows at 1.1x (uncertain, stated in notes).
    expect(vertex!.planned).toBeCloseTo(anthropic!.planned * 1.1, 6);
    expect(vertex!.standard).toBeCloseTo(anthropic!.standard * 1.1, 6);
    // Bedrock: no caching in batch; global rows at Anthropic's list.
    expect(bedrock!.planned).toBeCloseTo(bedrock!.batch, 9);
    expect(bedrock!.batch).toBeCloseTo(anthropic!.batch, 6);
    expect(anthropic!.planned).toBeLessThan(anthropic!.batch);
    // A ~4k-token prefix shared by 150: on demand with caching beats batch without it.
    expect(bedrock!.onDemandCached!).toBeLessThan(bedrock!.batch);
    expect(bedrock!.best.usd).toBeLessThanOrEqual(bedrock!.onDemandCached! + 1e-9);
    expect(bedrock!.best.route).toMatch(/on demand with caching/);
    const text = renderComparison(c);
    expect(text).toContain("bedrock");
    expect(text).toContain("Uncertain");
  });

  it("with nothing shared, Bedrock's best is batch without caching", async () => {
    const { t } = await byTarget(job(120, "claude-sonnet-4-6", false));
    const bedrock = t.bedrock!;
    expect(bedrock.bestMix).toBeCloseTo(bedrock.batch, 9);
    expect(bedrock.best.route).toBe("batch, no caching");
    expect(bedrock.onDemandCached!).toBeGreaterThan(bedrock.batch);
  });

  it("a model no target prices is listed as not served, never priced at $0", async () => {
    const { c } = await byTarget(job(3, "claude-not-a-model", true));
    expect(c.targets).toEqual([]);
    expect(c.notServed).toEqual(["anthropic", "vertex", "bedrock"]);
  });

  it("a job named with Bedrock profile ids is priced on every target through the model-id table", async () => {
    const { c, t } = await byTarget(job(120, "eu.anthropic.claude-sonnet-4-6", true));
    expect(c.targets.map((x) => x.target)).toEqual(["anthropic", "vertex", "bedrock"]);
    expect(t.anthropic!.unpriced).toEqual([]);
    // The eu. profile is regional routing on Bedrock: +10% over the global (Anthropic list) price.
    expect(t.bedrock!.batch).toBeCloseTo(t.anthropic!.batch * 1.1, 6);
  });
});
