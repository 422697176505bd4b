/**
 * `report()`: what a job's results say about caching and cost, against its plan and estimate.
 * Pure: no clock, no network, no disk (the CLI reads the files). The results stream through once
 * into running sums per figure and a map of the `custom_id`s seen; nothing else is kept per line.
 */
import { OptionsError } from "../errors.js";
import { costByKind, costOf, totalInputTokens } from "../pricing/cost.js";
import { defaultModelTable, type ModelInfo } from "../pricing/models.js";
import { rowOf } from "../pricing/unknown-model.js";
import { Bucket, type RequestCost } from "./_bucket.js";
import { indexPlan, type PlannedRequest } from "./_index.js";
import { checkLine, type UsageFacts } from "./_lines.js";
import { reportNotes } from "./_notes.js";
import { ProblemCollector } from "./_problems.js";
import { verdictOf } from "./_summary.js";
import { attribute, type GroupActivity } from "./attribution.js";
import {
  type Calibration,
  type GroupReport,
  HIT_RATE_DEFINITIONS,
  type Report,
  type ReportInput,
  type ReportOptions,
} from "./types.js";

/** The model key of results that name none (errored, canceled or expired ones without a plan). */
export const NO_MODEL = "(no model)";

/** USD of one succeeded request, per request so tiers and `inference_geo` apply (cost.ts). */
function requestCost(info: ModelInfo, usage: UsageFacts): RequestCost {
  const flags = { batch: usage.batch, geo: usage.geo };
  const uncached = { ...usage.tokens, input: totalInputTokens(usage.tokens) };
  uncached.cacheWrite5m = uncached.cacheWrite1h = uncached.cacheRead = 0;
  return {
    usdByKind: costByKind(info, usage.tokens, flags),
    standard: costOf(info, uncached, { batch: false, geo: usage.geo }),
    batch: costOf(info, uncached, { batch: true, geo: usage.geo }),
  };
}

function newActivity(): GroupActivity {
  return { writers: new Map(), readers: new Map(), idle: 0, idleDrifted: 0, idleLargest: 0 };
}

const bump = (map: Map<number, number>, key: number) => map.set(key, (map.get(key) ?? 0) + 1);

/**
 * Reports on a job's batch results: requests by result type (and planned requests with no
 * result), tokens by kind, hit rates, real USD from each `usage` with stacked prices, per group,
 * wave, batch and model, against the estimate's `planned` and `ideal` figures, with miss
 * attribution per group and a per-model calibration of the token estimate.
 *
 * Bad input (a line that is not JSON, a `custom_id` twice or not in the plan, results of another
 * plan, planned requests without a result) is returned in `problems`, never thrown: the figures
 * then cover the usable lines only, and `complete` is false.
 *
 * @throws {OptionsError} when `estimate` is given without `plan`, or belongs to another plan.
 *
 * @example
 * ```ts
 * const planned = await readPlan("plan/");
 * const result = await report(readJsonl("results.jsonl"), { plan: planned, estimate: await estimate(planned) });
 * result.overall.hitRate; // share of input tokens read from cache
 * ```
 */
export async function report(results: ReportInput, options: ReportOptions = {}): Promise<Report> {
  const { plan, estimate } = options;
  const models = options.models ?? defaultModelTable;
  if (estimate && !plan)
    throw new OptionsError("`estimate` needs the `plan` it was made from; pass both.");
  const index = plan ? indexPlan(plan, estimate) : undefined;
  const withEstimate = estimate !== undefined;

  const overall = new Bucket();
  const byModel = new Map<string, Bucket>();
  const groups = (plan?.groups ?? []).map(() => new Bucket());
  const activity = (plan?.groups ?? []).map(newActivity);
  const ungrouped = new Bucket();
  const batches = (plan?.batches ?? []).map(() => new Bucket());
  const waves = new Map<number, Bucket>();
  for (const b of plan?.batches ?? []) if (!waves.has(b.wave)) waves.set(b.wave, new Bucket());
  const problems = new ProblemCollector();
  const seen = new Map<string, string>();
  const tally = { unsplit: 0, unsplitTokens: 0, mismatched: 0, notBatch: 0, us: 0, usFlat: 0 };
  const unknownModels = new Map<string, number>();

  const bucketsOf = (model: string, planned: PlannedRequest | undefined): Bucket[] => {
    let m = byModel.get(model);
    if (!m) {
      m = new Bucket();
      byModel.set(model, m);
    }
    if (!planned) return [overall, m];
    return [
      overall,
      m,
      planned.group >= 0 ? groups[planned.group]! : ungrouped,
      waves.get(planned.wave)!,
      batches[planned.batch]!,
    ];
  };

  let lines = 0;
  for await (const item of results) {
    lines += 1;
    const line = checkLine(item, lines);
    if (!line.ok) {
      problems.add(line.kind, {
        ...line.location,
        ...(line.customId ? { customId: line.customId } : {}),
        detail: line.detail,
      });
      continue;
    }
    const { customId, location, result } = line;
    const planned = index?.byId.get(customId);
    problems.sourceLine(location.source);
    if (index && !planned) {
      problems.unknown(location, customId);
      continue;
    }
    const first = seen.get(customId);
    if (first !== undefined) {
      problems.add("duplicate-custom-id", {
        ...location,
        customId,
        detail: `appeared before, at ${first}`,
      });
      continue;
    }
    seen.set(
      customId,
      location.source === undefined
        ? `input line ${location.line}`
        : `\`${location.source}\` line ${location.line}`,
    );
    if (planned) planned.seen = true;
    const model =
      planned?.model ?? (result.type === "succeeded" ? result.model : undefined) ?? NO_MODEL;
    const buckets = bucketsOf(model, planned);
    if (result.type === "succeeded") {
      const { usage } = result;
      const info = models.get(result.model ?? "") ?? models.get(planned?.model ?? "");
      if (!info) unknownModels.set(model, (unknownModels.get(model) ?? 0) + 1);
      const cost = info ? requestCost(info, usage) : undefined;
      for (const b of buckets) b.succeeded(usage.tokens, cost, planned?.expected);
      if (usage.unsplit) {
        tally.unsplit += 1;
        tally.unsplitTokens += usage.tokens.cacheWrite5m;
      }
      if (usage.mismatched) tally.mismatched += 1;
      if (!usage.batch) tally.notBatch += 1;
      if (usage.geo === "us") {
        if (info?.usGeoMultiplierApplies) tally.us += 1;
        else tally.usFlat += 1;
      }
      if (planned && planned.group >= 0) {
        const a = activity[planned.group]!;
        const t = usage.tokens;
        const wrote = t.cacheWrite5m + t.cacheWrite1h > 0;
        if (wrote) bump(a.writers, planned.wave);
        if (t.cacheRead > 0) bump(a.readers, planned.wave);
        if (!wrote && t.cacheRead === 0) {
          if (planned.drifted) a.idleDrifted += 1;
          else a.idle += 1;
          a.idleLargest = Math.max(a.idleLargest, totalInputTokens(t));
        }
      }
    } else if (result.type === "errored") {
      for (const b of buckets) b.errored(result.errorType);
    } else {
      for (const b of buckets) b.counts[result.type] += 1;
    }
  }

  problems.finishSources();
  if (index) {
    for (const [id, r] of index.byId) {
      if (r.seen) continue;
      for (const b of bucketsOf(r.model, r)) b.counts.missing += 1;
      problems.missing(id);
    }
  }
  for (const [model, requests] of unknownModels) problems.unknownModel(model, requests);

  // A group's writes happen once however many of its requests follow (see groupShares).
  index?.fixed.forEach((fixed, k) => {
    if (groups[k]!.compared.requests === 0) return;
    const model = plan!.groups[k]!.model;
    for (const b of [groups[k]!, byModel.get(model), overall]) b?.expect(fixed);
  });

  let calibration: Calibration | null = null;
  if (estimate) {
    calibration = { version: 1, counter: estimate.counter, models: {} };
    for (const [model, bucket] of [...byModel].sort(([a], [b]) => a.localeCompare(b))) {
      const { estimated, actual } = bucket.inputTokens();
      if (bucket.compared.requests === 0 || estimated <= 0) continue;
      calibration.models[model] = {
        requests: bucket.compared.requests,
        actualInputTokens: actual,
        estimatedInputTokens: Math.round(estimated),
        factor: Math.round((actual / estimated) * 10_000) / 10_000,
      };
    }
  }

  const groupReports: GroupReport[] = (plan?.groups ?? []).map((g, k) => {
    const { requests: counts, ...figures } = groups[k]!.figures(withEstimate);
    const factor = calibration?.models[g.model]?.factor ?? 1;
    const top = g.breakpoints[0];
    return {
      id: g.id,
      model: g.model,
      requests: g.requests,
      counts,
      mode: top?.mode ?? "cold",
      ttl: top?.ttl ?? "5m",
      ...figures,
      writes: { actual: groups[k]!.withWrites, ideal: index!.groups[k]!.idealWrites },
      attribution: attribute(activity[k]!, {
        idealWrites: index!.groups[k]!.idealWrites,
        variants: index!.groups[k]!.variants,
        minimum: rowOf(models, g.model).info.minCacheableTokens,
        prefixTokens: g.sharedTokens * factor,
      }),
    };
  });
  const active = groupReports.filter((g) => g.counts.succeeded > 0);
  const overallFigures = overall.figures(withEstimate);
  const ungroupedFigures = plan ? ungrouped.figures(withEstimate) : null;
  const problemList = problems.list();
  return {
    version: 1,
    complete: problemList.length === 0,
    verdict: verdictOf(overallFigures, {
      groups: plan ? plan.groups.length : undefined,
      complete: problemList.length === 0,
    }),
    overall: overallFigures,
    groups: groupReports,
    ungrouped: ungroupedFigures,
    models: [...byModel]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([model, b]) => ({ model, ...b.figures(withEstimate) })),
    waves: [...waves]
      .sort(([a], [b]) => a - b)
      .map(([wave, b]) => ({
        wave,
        batches: (plan?.batches ?? []).flatMap((x, i) => (x.wave === wave ? [i] : [])),
        // The estimate spreads each entry's write over its group's requests, so it has no
        // per-wave or per-batch figures to compare with.
        ...b.figures(false),
      })),
    batches: (plan?.batches ?? []).map((x, i) => ({
      index: x.index,
      wave: x.wave,
      ...batches[i]!.figures(false),
    })),
    writesPerGroup:
      active.length === 0
        ? null
        : {
            groups: active.length,
            actual: active.reduce((s, g) => s + g.writes.actual, 0) / active.length,
            ideal: active.reduce((s, g) => s + g.writes.ideal, 0) / active.length,
          },
    calibration,
    problems: problemList,
    notes: reportNotes({
      plan: plan !== undefined,
      estimate: withEstimate,
      overall: overallFigures,
      ungrouped: ungroupedFigures ?? undefined,
      tally,
    }),
    definitions: { ...HIT_RATE_DEFINITIONS },
    lines,
  };
}
