/**
 * The planner's target rules (issue 15 item 2), through `finishForTarget` on plans made by
 * `plan()`: one model per batch, file bytes in the target's format, Bedrock's minimum and its
 * no-caching findings and advice, Vertex's concurrent-jobs and caching-disabled findings.
 */
import { describe, expect, it } from "vitest";
import { planForTarget } from "../../src/estimate/compare.js";
import { plan } from "../../src/index.js";
import { resolvePlanOptions } from "../../src/plan/plan.js";
import { finishForTarget, targetPlanOptions } from "../../src/plan/target-rules.js";
import { modelTableOf } from "../../src/pricing/models.js";
import bedrock, { toBedrockLine } from "../../src/targets/bedrock/index.js";
import type { PlannedRecord } from "../../src/targets/target.js";
import vertex from "../../src/targets/vertex/index.js";
import type { BatchRequest, Plan, PlanOptions } from "../../src/types.js";
import { request, text } from "../helpers/requests.js";

const LONG = "Shared instructions for every request of this job. ".repeat(400);

function job(n: number, model: string, prefix = LONG, marked = false) {
  return Array.from({ length: n }, (_, i) =>
    request(`${model.replace(/[^a-z0-9]/g, "")}-${i}`, {
      model,
      system: [text(prefix, marked ? "5m" : undefined)],
      user: `question ${i} ${"x".repeat(i % 7)}`,
    }),
  );
}

/** The job planned for a target (its forced options and rows, then its finish). */
async function planFor(requests: unknown[], options: PlanOptions): Promise<Plan> {
  const target = options.target === "bedrock" ? bedrock : vertex;
  return planForTarget(requests as BatchRequest[], options, target, modelTableOf(target));
}

const findings = (p: Plan, topic: string) =>
  p.warnings.filter((w) => w.kind === "target" && w.topic === topic);

describe("plan for bedrock: no caching, one model per job, 100-record minimum", {
  timeout: 120_000,
}, () => {
  it("forces no markers and no waves, records the target", () => {
    const forced = targetPlanOptions(resolvePlanOptions({ strategy: "primed" }), bedrock);
    expect(forced).toMatchObject({
      target: "bedrock",
      strategy: "none",
      userMarkers: "replace",
      maxWaves: 1,
    });
    const anthropic = resolvePlanOptions({});
    expect(anthropic).not.toHaveProperty("target");
  });

  it("removes user markers and says so; every batch one model, file bytes in Bedrock lines", async () => {
    const requests = [
      ...job(150, "claude-sonnet-4-6", LONG, true),
      ...job(120, "claude-haiku-4-5"),
    ];
    const p = await planFor(requests, { target: "bedrock", maxRequests: 50_000 });
    expect(p.summary.markersAdded).toBe(0);
    expect(p.summary.markersRemoved).toBe(150);
    expect(JSON.stringify(p.batches)).not.toContain("cache_control");
    expect(p.summary.waves).toBe(1);
    for (const b of p.batches) {
      expect(new Set(b.requests.map((r) => r.params.model))).toEqual(new Set([b.model]));
      const file = b.requests
        .map((r) => `${JSON.stringify(toBedrockLine(r as unknown as PlannedRecord))}\n`)
        .join("");
      expect(b.bytes).toBe(Buffer.byteLength(file));
    }
    expect(p.batches.map((b) => [b.model, b.jobModel, b.requestCount])).toEqual([
      ["claude-sonnet-4-6", "global.anthropic.claude-sonnet-4-6", 150],
      ["claude-haiku-4-5", "anthropic.claude-haiku-4-5-20251001-v1:0", 120],
    ]);
    expect(
      findings(p, "no-batch-caching")[0]?.kind === "target" && findings(p, "no-batch-caching")[0],
    ).toMatchObject({
      message: expect.stringContaining("150 `cache_control` markers were removed"),
    });
    expect(findings(p, "below-min-records")).toEqual([]);
  });

  it("warns for a model under 100 records and suggests on-demand (no padding across models)", async () => {
    const p = await planFor([...job(150, "claude-sonnet-4-6"), ...job(40, "claude-haiku-4-5")], {
      target: "bedrock",
    });
    const small = findings(p, "below-min-records");
    expect(small).toHaveLength(1);
    expect(small[0]).toMatchObject({ model: "claude-haiku-4-5", requests: 40 });
    expect(JSON.stringify(small[0])).toContain("on demand");
  });

  it("spreads a model evenly so no job falls under the minimum when it can", async () => {
    const p = await planFor(job(250, "claude-sonnet-4-6"), { target: "bedrock", maxRequests: 200 });
    expect(p.batches.map((b) => b.requestCount)).toEqual([125, 125]);
    expect(findings(p, "below-min-records")).toEqual([]);
  });

  it("advises on-demand with caching when a long prefix is shared by >= 3 requests, and Claude Platform on AWS", async () => {
    const shared = await planFor(job(150, "claude-sonnet-4-6"), { target: "bedrock" });
    expect(findings(shared, "on-demand-cheaper")).toHaveLength(1);
    expect(findings(shared, "claude-platform-on-aws")).toHaveLength(1);
    // Unique prompts: nothing to cache, no advice.
    const unique = await planFor(
      Array.from({ length: 150 }, (_, i) =>
        request(`u${i}`, { model: "claude-sonnet-4-6", user: `${i} ${LONG.slice(i)}` }),
      ),
      { target: "bedrock" },
    );
    expect(findings(unique, "on-demand-cheaper")).toEqual([]);
    // A Bedrock inference-profile id is known to the Bedrock rows (its minimum, its price).
    const profile = await plan(job(150, "eu.anthropic.claude-sonnet-4-6"), { target: "bedrock" });
    expect(findings(profile, "on-demand-cheaper")).toHaveLength(1);
    expect(findings(unique, "uncertain")).toHaveLength(1);
  });
});

describe("plan for vertex: caching as Anthropic, one model per job", { timeout: 120_000 }, () => {
  it("keeps markers and primers, cuts per model, maps job models, notes 4 concurrent jobs", async () => {
    const requests = [
      ...job(30, "claude-sonnet-4-5"),
      ...job(30, "claude-haiku-4-5"),
      ...job(30, "claude-opus-4-6"),
    ];
    const p = await planFor(requests, { target: "vertex", maxRequests: 6 });
    expect(p.options.target).toBe("vertex");
    expect(p.summary.markersAdded).toBeGreaterThan(0);
    for (const b of p.batches) expect(new Set(b.requests.map((r) => r.params.model)).size).toBe(1);
    expect(new Set(p.batches.map((b) => b.jobModel))).toEqual(
      new Set(["claude-sonnet-4-5@20250929", "claude-haiku-4-5@20251001", "claude-opus-4-6"]),
    );
    expect(findings(p, "concurrent-jobs")).toHaveLength(1);
    expect(findings(p, "caching-disabled-projects")).toHaveLength(1);
    expect(findings(p, "uncertain")).toHaveLength(1);
  });

  it("an Anthropic plan is returned untouched", async () => {
    const base = await plan(job(5, "claude-sonnet-4-5"));
    expect(await finishForTarget(base, {})).toBe(base);
    expect(await finishForTarget(base, { target: "anthropic" })).toBe(base);
  });

  it("plan() with `target` applies the same rules as planning for the target", async () => {
    const requests = [...job(150, "claude-sonnet-4-6", LONG, true), ...job(40, "claude-haiku-4-5")];
    for (const target of ["bedrock", "vertex"] as const) {
      const direct = await plan(requests, { target });
      const via = await planFor(requests, { target });
      expect(direct.options).toEqual(via.options);
      expect(direct.batches.map((b) => [b.model, b.jobModel, b.requestCount, b.bytes])).toEqual(
        via.batches.map((b) => [b.model, b.jobModel, b.requestCount, b.bytes]),
      );
      expect(direct.warnings.filter((w) => w.kind === "target")).toEqual(
        via.warnings.filter((w) => w.kind === "target"),
      );
    }
  });
});
