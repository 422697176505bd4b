/**
 * Reads the results into the report's sums (internal): each line checked, matched to the plan by
 * `custom_id` (unknown and repeated ids become problems), and counted in its buckets; then the
 * planned requests without a result, and each group's fixed expectations.
 */
import { totalInputTokens } from "../pricing/cost.js";
import type { PlannedRequest } from "./_index.js";
import { checkLine, type ResultFacts, type UsageFacts } from "./_lines.js";
import { NO_MODEL, type ReportSums, requestCost } from "./_sums.js";
import { MAX_PROBLEM_EXAMPLES } from "./problems.js";
import type { ReportInput } from "./types.js";

const bump = (map: Map<number, number>, key: number) => map.set(key, (map.get(key) ?? 0) + 1);

/** Streams the results through once; returns the number of lines read. */
export async function readResults(results: ReportInput, sums: ReportSums): Promise<number> {
  const { problems, seen, index } = sums;
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
    const planned = index?.get(customId);
    problems.sourceLine(location.source);
    if (index && !planned) {
      problems.unknown(location, customId);
      continue;
    }
    const at = { source: seen.source(location.source), line: location.line };
    const first = planned ? index!.seenAt(planned) : seen.firstOf(customId);
    if (first !== undefined) {
      problems.add("duplicate-custom-id", {
        ...location,
        customId,
        detail: `appeared before, at ${seen.describe(first)}`,
      });
      continue;
    }
    if (planned) index!.markSeen(planned, at);
    else seen.mark(customId, at);
    addResult(sums, result, planned);
  }
  return lines;
}

/** Adds one result to its buckets, tallies and its group's activity. */
function addResult(sums: ReportSums, result: ResultFacts, planned: PlannedRequest | undefined) {
  const model =
    planned?.model ?? (result.type === "succeeded" ? result.model : undefined) ?? NO_MODEL;
  const buckets = sums.bucketsOf(model, planned);
  if (result.type === "succeeded") {
    const { usage } = result;
    const { models } = sums;
    const info = models.get(result.model ?? "") ?? models.get(planned?.model ?? "");
    if (!info) sums.unknownModels.set(model, (sums.unknownModels.get(model) ?? 0) + 1);
    const cost = info ? requestCost(info, usage) : undefined;
    for (const b of buckets) b.succeeded(usage.tokens, cost, planned?.expected);
    tallyUsage(sums, usage, info?.usGeoMultiplierApplies);
    if (planned && planned.group >= 0) addActivity(sums, usage, planned);
  } else if (result.type === "errored") {
    for (const b of buckets) b.errored(result.errorType);
  } else {
    for (const b of buckets) b.counts[result.type] += 1;
  }
}

function tallyUsage(sums: ReportSums, usage: UsageFacts, usGeoApplies: boolean | undefined) {
  const { tally } = sums;
  if (usage.unsplit) {
    tally.unsplit += 1;
    tally.unsplitTokens += usage.tokens.cacheWrite5m;
  }
  if (usage.mismatched) tally.mismatched += 1;
  if (!usage.batch) tally.notBatch += 1;
  if (usage.geo === "us") {
    if (usGeoApplies) tally.us += 1;
    else tally.usFlat += 1;
  }
}

/** Whether the request wrote, read, or neither, by wave: what miss attribution reads. */
function addActivity(sums: ReportSums, usage: UsageFacts, planned: PlannedRequest) {
  const a = sums.activity[planned.group]!;
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

/**
 * After the last line: planned requests without a result, models without a row, and each
 * group's writes, which happen once however many of its requests follow (see groupShares).
 */
export function finishResults(sums: ReportSums): void {
  const { problems, index, groups, plan } = sums;
  problems.finishSources();
  if (index) {
    let missing = 0;
    for (const r of index.unseen()) {
      for (const b of sums.bucketsOf(r.model, r)) b.counts.missing += 1;
      missing += 1;
    }
    problems.missing(missing, index.firstUnseen(MAX_PROBLEM_EXAMPLES));
  }
  for (const [model, requests] of sums.unknownModels) problems.unknownModel(model, requests);
  index?.fixed.forEach((fixed, k) => {
    if (groups[k]!.compared.requests === 0) return;
    const model = plan!.groups[k]!.model;
    for (const b of [groups[k]!, sums.byModel.get(model), sums.overall]) b?.expect(fixed);
  });
}
