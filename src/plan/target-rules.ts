/**
 * What the planner does differently for a target other than the Anthropic API (internal, issue
 * 15): the options it forces (Bedrock batch inference caches nothing, so no markers and no primer
 * waves: other-batch-systems.md §2.6, §7), one model per batch where the model is set on the job
 * (Vertex §3.1, Bedrock §2.1), batch sizes in the target's own file bytes and, on Bedrock, the
 * 100-record minimum (§2.3), and the target's findings: removed markers, jobs under the minimum,
 * cheaper routes, Vertex's 4 concurrent jobs, and the facts the sources leave uncertain.
 */

import type { TargetId } from "../targets/index.js";
import { bedrockJobModel, vertexJobModel } from "../targets/model-ids.js";
import type { PlannedRecord, Target } from "../targets/target.js";
import type { Plan, PlannedBatch, PlanOptions, ResolvedPlanOptions } from "../types.js";
import { BODY_OVERHEAD_BYTES, splitBatches } from "./_split.js";
import type { PlanWarning } from "./warnings.js";

/** Topics of a `target` finding. */
export type TargetTopic =
  | "no-batch-caching"
  | "strategy-overridden"
  | "below-min-records"
  | "on-demand-cheaper"
  | "claude-platform-on-aws"
  | "concurrent-jobs"
  | "caching-disabled-projects"
  | "uncertain";

/** The resolved options with the target recorded and what it forces applied. */
export function targetPlanOptions(
  resolved: ResolvedPlanOptions,
  target: Target,
): ResolvedPlanOptions {
  if (target.id === "anthropic") return resolved;
  const withTarget = { ...resolved, target: target.id as TargetId };
  // Bedrock batch inference neither reads nor writes a cache (§2.6): no markers, no waves.
  if (target.caching.markers !== "explicit")
    return { ...withTarget, strategy: "none", userMarkers: "replace", maxWaves: 1 };
  return withTarget;
}

/** The model id the target's job names for a request model. */
export function jobModelOf(target: Target, model: string): string {
  if (target.id === "bedrock") return bedrockJobModel(model);
  if (target.id === "vertex") return vertexJobModel(model);
  return model;
}

const modelOfRequest = (r: PlannedBatch["requests"][number]) => String(r.params.model);

/** Bytes of one request as a line of the target's batch file, newline included. */
function lineBytes(target: Target, request: PlannedBatch["requests"][number]): number {
  return (
    Buffer.byteLength(
      JSON.stringify(target.format.toLine(request as unknown as PlannedRecord)),
      "utf8",
    ) + 1
  );
}

/**
 * Batches cut again so that each holds one model (the job names it) and its `bytes` are the
 * target's file bytes: per wave, per model run, under `maxRequests`/`maxBytes`, groups kept
 * together when they fit. With no markers (Bedrock) nothing is grouped, so a model's requests are
 * spread evenly over the fewest batches, keeping each at or above the minimum when it can.
 */
export function onePerModel(
  plan: Plan,
  target: Target,
  options: ResolvedPlanOptions,
): PlannedBatch[] {
  const groupOf = new Map<string, number>();
  plan.groups.forEach((g, i) => {
    for (const id of g.customIds) groupOf.set(id, i);
  });
  const out: PlannedBatch[] = [];
  const runs: { wave: number; requests: PlannedBatch["requests"] }[] = [];
  for (const batch of plan.batches) {
    for (const request of batch.requests) {
      const last = runs.at(-1);
      if (
        last &&
        last.wave === batch.wave &&
        modelOfRequest(last.requests[0]!) === modelOfRequest(request)
      )
        last.requests.push(request);
      else runs.push({ wave: batch.wave, requests: [request] });
    }
  }
  for (const run of runs) {
    const bytes = run.requests.map((r) => lineBytes(target, r));
    const even =
      target.caching.markers === "explicit" ? options.maxRequests : evenSize(bytes, options);
    const items = run.requests.map((r, i) => ({
      bytes: bytes[i]! - 1,
      unit: groupOf.get(r.custom_id) ?? -1,
    }));
    for (const [start, end] of splitBatches(items, even, options.maxBytes + BODY_OVERHEAD_BYTES - 1)
      .batches) {
      const model = modelOfRequest(run.requests[start]!);
      out.push({
        index: out.length,
        wave: run.wave,
        requests: run.requests.slice(start, end),
        requestCount: end - start,
        bytes: bytes.slice(start, end).reduce((s, b) => s + b, 0),
        model,
        jobModel: jobModelOf(target, model),
      });
    }
  }
  return out;
}

/** Requests per batch that spreads a run evenly over the fewest batches its limits allow. */
function evenSize(bytes: readonly number[], options: ResolvedPlanOptions): number {
  const total = bytes.reduce((s, b) => s + b, 0);
  const batches = Math.max(
    Math.ceil(bytes.length / options.maxRequests),
    Math.ceil(total / options.maxBytes),
    1,
  );
  return Math.min(options.maxRequests, Math.ceil(bytes.length / batches));
}

/** A `target` finding. */
function finding(
  target: Target,
  topic: TargetTopic,
  message: string,
  extra: { model?: string; requests?: number } = {},
): PlanWarning {
  return { kind: "target", target: target.id, topic, ...extra, message };
}

/** Findings of a Bedrock plan: removed markers, small jobs, overridden options, uncertain facts. */
function bedrockFindings(plan: Plan, target: Target, asked: PlanOptions): PlanWarning[] {
  const found: PlanWarning[] = [];
  const removed = plan.summary.markersRemoved;
  found.push(
    finding(
      target,
      "no-batch-caching",
      `Bedrock batch inference does not use prompt caching (hints are ignored, no cache usage is reported, there are no batch cache prices; other-batch-systems.md §2.6 — secondary sources, no AWS text found either way), so no markers were placed and no primer waves planned${removed > 0 ? `; ${removed} \`cache_control\` marker${removed === 1 ? " was" : "s were"} removed from the requests` : ""}. \`cacheplan report\` counts any cache usage that comes back, which would show otherwise.`,
    ),
  );
  if ((asked.strategy ?? "auto") !== "auto" && asked.strategy !== "none")
    found.push(
      finding(
        target,
        "strategy-overridden",
        `\`strategy: "${asked.strategy}"\` has no effect on Bedrock batch inference (no caching); planned with "none".`,
      ),
    );
  const perModel = new Map<string, number>();
  for (const b of plan.batches)
    perModel.set(b.model!, (perModel.get(b.model!) ?? 0) + b.requestCount);
  const min = target.limits.minRequests;
  for (const [model, requests] of perModel) {
    const small = plan.batches.filter((b) => b.model === model && b.requestCount < min);
    if (small.length === 0) continue;
    found.push(
      finding(
        target,
        "below-min-records",
        `${requests} ${model} request${requests === 1 ? "" : "s"}: ${small.length === 1 ? "a job" : `${small.length} jobs`} under Bedrock's minimum of ${min} records per job (quota default from secondary sources; it was 1,000 in 2024, §2.3). The model is set per job, so other models' requests cannot pad it: raise the quota (Service Quotas, "Minimum number of records per batch inference job"), add requests, or send these on demand (InvokeModel, with prompt caching).`,
        { model, requests },
      ),
    );
  }
  return found;
}

/** Findings of a Vertex plan: 4 concurrent jobs, caching-disabled projects, uncertain facts. */
function vertexFindings(plan: Plan, target: Target): PlanWarning[] {
  const found: PlanWarning[] = [];
  const perWave = new Map<number, number>();
  for (const b of plan.batches) perWave.set(b.wave, (perWave.get(b.wave) ?? 0) + 1);
  const limit = target.limits.maxConcurrentJobs ?? Number.POSITIVE_INFINITY;
  const busiest = Math.max(0, ...perWave.values());
  if (busiest > limit)
    found.push(
      finding(
        target,
        "concurrent-jobs",
        `A wave has ${busiest} jobs (one per model and size cut); Vertex runs ${limit} batch jobs at once per project by default (§3.3), the rest queue, so the wave takes longer and 5m cache entries may expire in between.`,
      ),
    );
  if (plan.summary.markersAdded > 0 || plan.groups.length > 0)
    found.push(
      finding(
        target,
        "caching-disabled-projects",
        "A Google Cloud project with prompt caching disabled rejects every request carrying `cache_control` (§3.6, VX-PC). If yours is one, plan with `--strategy none --user-markers replace`.",
      ),
    );
  found.push(
    finding(
      target,
      "uncertain",
      "Uncertain on Vertex (§3, §8): cache hit rates inside Claude batch jobs are unmeasured (the plan assumes Anthropic's behaviour; `cacheplan report` measures them from `usage`); whether a primer job warms later jobs and whether batch honours the 1h TTL; per-job size caps (Anthropic's 100,000 requests / 256 MB used); the output line schema and order; `custom_id` rules.",
    ),
  );
  return found;
}

/** Shared Bedrock uncertainties, said once. */
function bedrockUncertain(target: Target): PlanWarning {
  return finding(
    target,
    "uncertain",
    "Uncertain on Bedrock (§2, §8): the quota values (100 minimum, 50,000 records, 1 GB per file; read yours with Service Quotas), whether batch accepts the inference profile named as the job's model, the output object names under the job folder, and `recordId` length limits (ids are alphanumeric; non-alphanumeric custom_ids are hex-encoded with an `X` prefix).",
  );
}

/**
 * On Bedrock, the prefixes that on-demand inference *with* caching would make cheaper than batch
 * *without* it (§2.7): planned as for the Anthropic API (cold markers, one wave) in memory, then
 * per group the prefix's on-demand cost `P·(w + r·(N−1))` against batch's `b·N·P`; with write
 * 1.25, read 0.1 and batch 0.5 a prefix shared by 3 requests already tips it. Also names Claude
 * Platform on AWS (Anthropic's batch API with caching, billed through AWS, §2.9).
 */
async function bedrockAdvice(
  plan: Plan,
  target: Target,
  asked: PlanOptions,
): Promise<PlanWarning[]> {
  const { plan: planAnthropic } = await import("./plan.js");
  const requests = plan.batches.flatMap((b) => b.requests);
  if (requests.length === 0) return [];
  // The target's rows: its model ids (`eu.anthropic.…`) and their minimums are known there.
  const models = asked.models ?? (await import("../pricing/models.js")).modelTableOf(target);
  const shadow = await planAnthropic(requests, {
    strategy: "cold",
    maxWaves: 1,
    userMarkers: "replace",
    models,
    ...(asked.counter ? { counter: asked.counter } : {}),
  });
  const p = target.prices;
  let groups = 0;
  let covered = 0;
  let savedUsd = 0;
  for (const g of shadow.groups) {
    const info = models.get(g.model);
    const read = info?.readMultiplier ?? p.defaultRead;
    const onDemand = p.write["5m"] + read * (g.requests - 1);
    const batch = p.batch * g.requests;
    if (onDemand >= batch) continue;
    groups += 1;
    covered += g.requests;
    if (info) savedUsd += ((batch - onDemand) * g.sharedTokens * info.inputPerMTok) / 1e6;
  }
  if (groups === 0) return [];
  return [
    finding(
      target,
      "on-demand-cheaper",
      `${groups} shared prefix${groups === 1 ? "" : "es"} (${covered} requests, ≥ 3 sharing each) would cost less on demand with caching than in a batch without it: about $${savedUsd.toFixed(2)} less on the prefixes alone (prefix cost ${p.write["5m"]} + read·(N−1) vs ${p.batch}·N of input; batch still halves output and unshared input). \`cacheplan estimate --compare\` prices the whole requests both ways.`,
      { requests: covered },
    ),
    finding(
      target,
      "claude-platform-on-aws",
      "Claude Platform on AWS (Anthropic-operated, billed through AWS) serves the Message Batches API with every prompt-caching feature (§2.9, CPA-FS), so batch and cache discounts stack there: plan with `--target anthropic` for that route.",
    ),
  ];
}

/**
 * The plan for a target other than Anthropic: batches one model each in the target's file bytes,
 * and the target's findings appended to the warnings. The Anthropic plan is returned as is.
 */
export async function finishForTarget(plan: Plan, asked: PlanOptions): Promise<Plan> {
  if (asked.target === undefined || asked.target === "anthropic") return plan;
  const { loadTarget } = await import("../targets/index.js");
  const target = await loadTarget(asked.target);
  if (!target.limits.oneModelPerBatch) return plan;
  const batches = onePerModel(plan, target, plan.options);
  const planned = { ...plan, batches, summary: { ...plan.summary, batches: batches.length } };
  const extra =
    target.id === "bedrock"
      ? [
          ...bedrockFindings(planned, target, asked),
          ...(await bedrockAdvice(planned, target, asked)),
          bedrockUncertain(target),
        ]
      : target.id === "vertex"
        ? vertexFindings(planned, target)
        : [];
  return { ...planned, warnings: [...plan.warnings, ...extra] };
}
