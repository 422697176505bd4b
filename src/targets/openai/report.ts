/**
 * What an OpenAI run cost and how well it cached, from its results (reference §4.4, §4.6): each
 * output line's `usage` (`prompt_tokens_details.cached_tokens` / `input_tokens_details.cached_tokens`,
 * `cache_write_tokens` on GPT-5.6+), priced with the model rows at Batch rates, against the plan's
 * estimate; with the batch objects (`client.batches.retrieve`), the batch-level `usage`
 * (batches created after 2025-09-07) is checked against the sum of the lines.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { TokenBreakdown } from "../../pricing/cost.js";
import { type ModelTable, modelTableOf } from "../../pricing/models.js";
import { rowOf } from "../../pricing/unknown-model.js";
import { readRunState } from "../../run/state.js";
import type { Plan } from "../../types.js";
import { readUsage } from "../../usage.js";
import { isObject } from "../../util/json.js";
import { estimateOpenAI, priceOf } from "./estimate.js";
import { MODEL_TABLE } from "./models.js";
import { BATCH_MULTIPLIER } from "./prices.js";
import { readResult } from "./results.js";
import { USAGE_FIELDS } from "./usage.js";

/** The report of an OpenAI run. */
export interface OpenAIReport {
  requests: {
    planned: number;
    succeeded: number;
    failed: number;
    expired: number;
    cancelled: number;
    missing: number;
  };
  /** Token sums over the succeeded lines. */
  tokens: TokenBreakdown;
  /** Share of prompt tokens read from cache. */
  hitRate: number;
  /** USD at Batch rates; `null` when a model has no price. */
  actualUsd: number | null;
  /** The estimate's `planned`, `batch` and `ideal` USD for the same plan. */
  estimated: { planned: number | null; batch: number | null; ideal: number | null };
  /** Per batch: the sum of its lines' prompt and cached tokens, and the batch-level `usage` when given. */
  batches: {
    id: string;
    lines: { input: number; cached: number; output: number };
    batchUsage: { input: number; cached: number; output: number } | null;
    agrees: boolean | null;
  }[];
  /** Failure types and their counts. */
  errors: Record<string, number>;
}

/** Reports on a submitted OpenAI plan in `dir`; `batches` are batch objects to check the batch-level usage with. */
export async function reportOpenAI(
  plan: Plan,
  dir: string,
  options: { batches?: readonly unknown[]; models?: ModelTable } = {},
): Promise<OpenAIReport> {
  const models = options.models ?? modelTableOf({ models: MODEL_TABLE });
  const state = await readRunState(dir);
  const modelOf = new Map<string, string>();
  for (const b of plan.batches)
    for (const r of b.requests)
      modelOf.set(
        r.custom_id,
        String((r as unknown as { params: { model: unknown } }).params.model),
      );
  const tokens: TokenBreakdown = {
    input: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    cacheRead: 0,
    output: 0,
  };
  const counts = {
    planned: modelOf.size,
    succeeded: 0,
    failed: 0,
    expired: 0,
    cancelled: 0,
    missing: 0,
  };
  const errors: Record<string, number> = {};
  let usd: number | null = 0;
  const seen = new Set<string>();
  const perBatch: OpenAIReport["batches"] = [];
  for (const b of state?.batches ?? []) {
    if (b.state !== "downloaded") continue;
    const sums = { input: 0, cached: 0, output: 0 };
    const text = await readFile(path.join(dir, b.results.file), "utf8");
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const result = readResult(JSON.parse(line));
      if (!result || seen.has(result.id)) continue;
      seen.add(result.id);
      if (result.status === "succeeded") {
        const reading = readUsage(result.usage, USAGE_FIELDS);
        if (!reading.ok) continue;
        counts.succeeded += 1;
        const t = reading.tokens;
        for (const k of Object.keys(tokens) as (keyof TokenBreakdown)[]) tokens[k] += t[k];
        sums.input += t.input + t.cacheRead + t.cacheWrite5m;
        sums.cached += t.cacheRead;
        sums.output += t.output;
        const { info, known } = rowOf(models, modelOf.get(result.id) ?? "");
        usd = usd === null || !known ? null : usd + priceOf(info, t, BATCH_MULTIPLIER);
      } else if (result.status === "failed") {
        counts.failed += 1;
        errors[result.errorType] = (errors[result.errorType] ?? 0) + 1;
      } else if (result.status === "expired") counts.expired += 1;
      else counts.cancelled += 1;
    }
    const raw = options.batches?.find((x) => isObject(x) && x.id === b.id) as
      | Record<string, unknown>
      | undefined;
    const u = raw && isObject(raw.usage) ? raw.usage : undefined;
    const batchUsage = u
      ? {
          input: Number(u.input_tokens),
          cached: Number(
            isObject(u.input_tokens_details) ? u.input_tokens_details.cached_tokens : 0,
          ),
          output: Number(u.output_tokens),
        }
      : null;
    perBatch.push({
      id: b.id,
      lines: sums,
      batchUsage,
      agrees:
        batchUsage === null
          ? null
          : batchUsage.input === sums.input &&
            batchUsage.cached === sums.cached &&
            batchUsage.output === sums.output,
    });
  }
  counts.missing = counts.planned - seen.size;
  const prompt = tokens.input + tokens.cacheRead + tokens.cacheWrite5m;
  const estimate = estimateOpenAI(plan, { models });
  return {
    requests: counts,
    tokens,
    hitRate: prompt > 0 ? tokens.cacheRead / prompt : 0,
    actualUsd: usd,
    estimated: {
      planned: estimate.total.planned.usd,
      batch: estimate.total.batch.usd,
      ideal: estimate.total.ideal.usd,
    },
    batches: perBatch,
    errors,
  };
}

/** The report as text. */
export function renderOpenAIReport(r: OpenAIReport): string {
  const usd = (v: number | null) => (v === null ? "no price" : `$${v.toFixed(3)}`);
  const q = r.requests;
  const out = [
    `Report: ${q.succeeded} of ${q.planned} requests succeeded on the OpenAI Batch API`,
    `  hit rate ${(r.hitRate * 100).toFixed(1)}% of prompt tokens read from cache (${r.tokens.cacheRead.toLocaleString("en-US")} cached, ${r.tokens.cacheWrite5m.toLocaleString("en-US")} written)`,
    `  cost     ${usd(r.actualUsd)} actual at Batch rates; estimated ${usd(r.estimated.planned)} planned, ${usd(r.estimated.batch)} without caching, ${usd(r.estimated.ideal)} ideal`,
    `  results  succeeded ${q.succeeded}, failed ${q.failed}, expired ${q.expired}, cancelled ${q.cancelled}, missing ${q.missing}`,
  ];
  for (const [type, n] of Object.entries(r.errors)) out.push(`  errors   ${type}: ${n}`);
  const checked = r.batches.filter((b) => b.agrees !== null);
  if (checked.length > 0)
    out.push(
      `  batches  batch-level usage ${checked.every((b) => b.agrees) ? "agrees" : "DIFFERS"} with the sum of the lines on ${checked.length} of ${r.batches.length} batches`,
    );
  return `${out.join("\n")}\n`;
}
