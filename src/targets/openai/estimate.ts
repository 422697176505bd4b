/**
 * The cost of an OpenAI plan in six scenarios, per model and in all (reference §4.6, §7):
 * - `standard`: the synchronous API at list price, no caching;
 * - `batch`: the Batch API (0.5×), no caching;
 * - `ideal`: batch, every shared prefix written once and read by every later request (the cache
 *   model over the plan's order, one request at a time, nothing expiring);
 * - `planned`: batch, the cache model over the plan as it runs: waves in order, each batch's
 *   requests in rounds of `concurrency` that cannot read each other's writes;
 * - `worst`: batch, nothing read, every request writing all its breakpoints;
 * - `flex`: the alternative: Flex processing (Responses API, `service_tier: "flex"`, Batch rates)
 *   with one `prompt_cache_key` per group, requests one after another so each reads what the
 *   earlier ones wrote, automatic caching on models that Batch does not cache (o3, o4-mini; check
 *   that Flex serves the model). An upper bound for Flex: it may answer 429 when busy.
 * Cached tokens cost the model's cached rate (read multiplier × input); explicit writes 1.25×;
 * above 272K prompt tokens the long-context tier prices the request. Pure and deterministic.
 */
import type { TokenBreakdown } from "../../pricing/cost.js";
import { type ModelTable, modelTableOf, ratesForRequest } from "../../pricing/models.js";
import { rowOf } from "../../pricing/unknown-model.js";
import { OpenAICacheModel, type PromptView, promptView } from "../../sim/openai/cache.js";
import type { Plan } from "../../types.js";
import { isObject } from "../../util/json.js";
import { MODEL_TABLE } from "./models.js";
import { BATCH_MULTIPLIER, EXPLICIT_WRITE_MULTIPLIER, FLEX_MULTIPLIER } from "./prices.js";
import { O200kCounter } from "./tokens.js";

/** The scenarios, in display order. */
export const OPENAI_SCENARIOS = ["standard", "batch", "ideal", "planned", "worst", "flex"] as const;
export type OpenAIScenario = (typeof OPENAI_SCENARIOS)[number];

/** One scenario's cost. */
export interface OpenAIScenarioCost {
  /** USD; `null` when a model has no price. */
  usd: number | null;
  tokens: TokenBreakdown;
  /** Share of input tokens read from cache. */
  hitRate: number;
}

export interface OpenAIEstimateOptions {
  /** Output tokens assumed: a fraction of each request's max tokens (default 0.5), or a fixed count. */
  output?: { kind: "fraction"; fraction: number } | { kind: "tokens"; tokens: number };
  /** Output tokens when a request gives no max (default 1,000). */
  defaultOutputTokens?: number;
  models?: ModelTable;
  /** Requests of one batch assumed to run at once (default: the plan's). */
  concurrency?: number;
}

/** The estimate. */
export interface OpenAIEstimate {
  target: "openai";
  counter: "o200k_base";
  requests: number;
  total: Record<OpenAIScenario, OpenAIScenarioCost>;
  byModel: Record<
    string,
    { requests: number; cacheMode: string; scenarios: Record<OpenAIScenario, OpenAIScenarioCost> }
  >;
  notes: string[];
}

const zero = (): TokenBreakdown => ({
  input: 0,
  cacheWrite5m: 0,
  cacheWrite1h: 0,
  cacheRead: 0,
  output: 0,
});

interface Item {
  view: PromptView;
  output: number;
  wave: number;
  batch: number;
}

function outputOf(
  body: Record<string, unknown>,
  o: Required<OpenAIEstimateOptions>["output"],
  fallback: number,
): number {
  const max = [body.max_completion_tokens, body.max_tokens, body.max_output_tokens].find(
    (v) => typeof v === "number",
  ) as number | undefined;
  if (o.kind === "tokens") return max === undefined ? o.tokens : Math.min(max, o.tokens);
  return Math.round((max ?? fallback) * o.fraction);
}

/** Prices an OpenAI plan (`options.target: "openai"`). */
export function estimateOpenAI(plan: Plan, options: OpenAIEstimateOptions = {}): OpenAIEstimate {
  const models = options.models ?? modelTableOf({ models: MODEL_TABLE });
  const output = options.output ?? { kind: "fraction", fraction: 0.5 };
  const fallback = options.defaultOutputTokens ?? 1000;
  const concurrency = options.concurrency ?? plan.options.concurrency;
  const counter = new O200kCounter();
  const items: Item[] = [];
  for (const b of plan.batches)
    for (const r of b.requests) {
      const body = (r as unknown as { params: Record<string, unknown> }).params;
      items.push({
        view: promptView(body, counter),
        output: outputOf(body, output, fallback),
        wave: b.wave,
        batch: b.index,
      });
    }
  const perItem = OPENAI_SCENARIOS.map(() => items.map(zero));
  const at = (s: OpenAIScenario) => perItem[OPENAI_SCENARIOS.indexOf(s)]!;
  items.forEach((it, i) => {
    const base: TokenBreakdown = { ...zero(), input: it.view.total, output: it.output };
    at("standard")[i] = base;
    at("batch")[i] = { ...base };
    const worstWrite = it.view.mode === "explicit" ? deepestWrite(it.view) : 0;
    at("worst")[i] = { ...base, input: it.view.total - worstWrite, cacheWrite5m: worstWrite };
  });
  sequential(items, at("ideal"), false);
  sequential(items, at("flex"), true);
  rounds(items, at("planned"), concurrency);
  return summarise(plan, items, perItem, models, concurrency);
}

function deepestWrite(v: PromptView): number {
  let t = 0;
  for (const i of v.writes) if (v.cumTokens[i]! >= 1024) t = Math.max(t, v.cumTokens[i]!);
  return t;
}

function breakdown(v: PromptView, output: number, cached: number, written: number): TokenBreakdown {
  return {
    input: Math.max(0, v.total - cached - written),
    cacheWrite5m: written,
    cacheWrite1h: 0,
    cacheRead: cached,
    output,
  };
}

/** One request after another on one cache (ideal; Flex also caches the models Batch does not). */
function sequential(items: Item[], out: TokenBreakdown[], flex: boolean): void {
  const cache = new OpenAICacheModel();
  items.forEach((it, i) => {
    const view =
      flex && it.view.mode === "none"
        ? {
            ...it.view,
            mode: "automatic" as const,
            writes: it.view.cumTokens.map((_, k) => k),
            reads: it.view.cumTokens.map((_, k) => k),
          }
        : it.view;
    const use = cache.serve(view, 0);
    out[i] = breakdown(view, it.output, use.cached, use.written);
  });
}

/** As planned: batches in order, each in rounds of `concurrency` that see only earlier rounds' writes. */
function rounds(items: Item[], out: TokenBreakdown[], concurrency: number): void {
  const cache = new OpenAICacheModel();
  let start = 0;
  while (start < items.length) {
    let end = start;
    while (end < items.length && items[end]!.batch === items[start]!.batch) end++;
    for (let r = start; r < end; r += concurrency) {
      const round = items.slice(r, Math.min(end, r + concurrency));
      const cached = round.map((it) => cache.read(it.view, 0));
      round.forEach((it, k) => {
        const written = cache.write(it.view, cached[k]!, 0);
        out[r + k] = breakdown(it.view, it.output, cached[k]!, written);
      });
    }
    start = end;
  }
}

function summarise(
  plan: Plan,
  items: Item[],
  perItem: TokenBreakdown[][],
  models: ModelTable,
  concurrency: number,
): OpenAIEstimate {
  const empty = () =>
    Object.fromEntries(
      OPENAI_SCENARIOS.map((s) => [s, { usd: 0 as number | null, tokens: zero(), hitRate: 0 }]),
    ) as Record<OpenAIScenario, OpenAIScenarioCost>;
  const total = empty();
  const byModel: OpenAIEstimate["byModel"] = {};
  items.forEach((it, i) => {
    byModel[it.view.model] ??= { requests: 0, cacheMode: it.view.mode, scenarios: empty() };
    const m = byModel[it.view.model]!;
    m.requests += 1;
    const { info, known } = rowOf(models, it.view.model);
    OPENAI_SCENARIOS.forEach((s, k) => {
      const t = perItem[k]![i]!;
      const mult = s === "standard" ? 1 : s === "flex" ? FLEX_MULTIPLIER : BATCH_MULTIPLIER;
      const usd = known ? priceOf(info, t, mult) : null;
      for (const bucket of [total[s], m.scenarios[s]]) {
        add(bucket.tokens, t);
        bucket.usd = bucket.usd === null || usd === null ? null : bucket.usd + usd;
      }
    });
  });
  for (const bucket of [total, ...Object.values(byModel).map((m) => m.scenarios)])
    for (const s of OPENAI_SCENARIOS) {
      const t = bucket[s].tokens;
      const input = t.input + t.cacheRead + t.cacheWrite5m;
      bucket[s].hitRate = input > 0 ? t.cacheRead / input : 0;
    }
  const notes = [
    `Token counts are offline estimates with o200k_base (plus ~3 tokens a message); images count ${765} tokens each.`,
    `\`planned\` runs the cache model over the plan: waves and batches in order, each batch in rounds of ${concurrency} requests that cannot read each other's writes; entries do not expire between waves (explicit entries live at least 30 minutes).`,
    '`flex` is an upper bound for Flex processing (`service_tier: "flex"` on the Responses API, Batch rates, `prompt_cache_key` honoured): requests one after another; Flex may answer 429 when busy, and serves only some models (check that yours is one).',
    "Whether the Batch API honours `prompt_cache_key` is not documented; routing is not modelled (one machine).",
  ];
  if (
    plan.batches.some((b) => b.requests.length > 0) &&
    Object.values(byModel).some((m) => m.cacheMode === "none")
  )
    notes.push(
      "Models before GPT-5 get no caching in Batch: their `ideal`, `planned` and `worst` equal `batch`; `flex` shows what automatic caching would save there.",
    );
  return { target: "openai", counter: "o200k_base", requests: items.length, total, byModel, notes };
}

function add(a: TokenBreakdown, b: TokenBreakdown): void {
  a.input += b.input;
  a.cacheWrite5m += b.cacheWrite5m;
  a.cacheWrite1h += b.cacheWrite1h;
  a.cacheRead += b.cacheRead;
  a.output += b.output;
}

/** USD of one request's tokens at `mult` (1 standard, 0.5 batch and flex), its long-context tier applied. */
export function priceOf(
  info: import("../../pricing/models.js").ModelInfo,
  t: TokenBreakdown,
  mult: number,
): number {
  const rates = ratesForRequest(info, t.input + t.cacheRead + t.cacheWrite5m + t.cacheWrite1h);
  const input =
    t.input * rates.inputPerMTok +
    t.cacheRead * rates.inputPerMTok * info.readMultiplier +
    (t.cacheWrite5m + t.cacheWrite1h) * rates.inputPerMTok * EXPLICIT_WRITE_MULTIPLIER;
  return ((input + t.output * rates.outputPerMTok) * mult) / 1e6;
}

/** Whether a parsed plan is an OpenAI plan. */
export function isOpenAIPlan(plan: unknown): boolean {
  return isObject(plan) && isObject(plan.options) && plan.options.target === "openai";
}
