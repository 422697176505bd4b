/**
 * The notes of an estimate (internal): the assumptions behind the figures, break-even points and
 * caveats, as sentences.
 */
import type { ModelTable } from "../pricing/models.js";
import { WRITE_1H_MULTIPLIER, WRITE_5M_MULTIPLIER } from "../targets/anthropic/prices.js";
import type { Plan, PlannedBreakpoint } from "../types.js";
import { money } from "../util/format.js";
import { SENSITIVITY_MAX_REQUESTS } from "./_simulated.js";
import type { Estimate } from "./types.js";

/** A breakpoint with its own tokens (its prefix minus its parent's). */
export interface BreakpointContext {
  bp: PlannedBreakpoint;
  delta: number;
  readMultiplier: number;
}

/**
 * The share h of expected reads that must hit for a group to break even against no caching. Per
 * breakpoint of n requests with R expected reads, write multiplier w and read multiplier r, reads
 * that miss become writes: cost(h) = n·w − h·R·(w − r), and cost(h) = n gives
 * h = n(w − 1) / (R(w − r)); summed over breakpoints weighted by their own tokens. Batch, geo and
 * price factors scale both sides and cancel.
 */
export function breakEvenHitRate(breakpoints: readonly BreakpointContext[]): number | null {
  let numerator = 0;
  let denominator = 0;
  for (const { bp, delta, readMultiplier } of breakpoints) {
    const w = bp.ttl === "1h" ? WRITE_1H_MULTIPLIER : WRITE_5M_MULTIPLIER;
    numerator += delta * bp.requests * (w - 1);
    denominator += delta * bp.expectedReads * (w - readMultiplier);
  }
  return denominator > 0 ? numerator / denominator : null;
}

/** What `writeNotes` needs besides the estimate. */
export interface NoteContext {
  plan: Omit<Plan, "batches">;
  models: ModelTable;
  counterEstimated: boolean;
  usRequests: number;
  tiered: number;
  strays: number;
  /**
   * A large plan estimated one request at a time (`estimateFolder()`): exact and full counting are
   * not offered there, so the notes do not advise them.
   */
  onePass?: boolean;
}

const n = (value: number) => Math.round(value).toLocaleString("en-US");
/** `1 request`, `2 requests`. */
const requests = (value: number) => `${n(value)} request${Math.round(value) === 1 ? "" : "s"}`;
const pct = (value: number) => `${(value * 100).toFixed(value < 0.1 ? 1 : 0)}%`;

/** The public pages that user-facing notes cite (code comments cite the reference's sections). */
export const DOCS = {
  batches: "https://platform.claude.com/docs/en/build-with-claude/batch-processing",
  pricing: "https://platform.claude.com/docs/en/about-claude/pricing",
  tokenCounting: "https://platform.claude.com/docs/en/build-with-claude/token-counting",
} as const;

// Batch cache hits are best-effort, 30% to 98% (reference §5.5, BP-en).
const SCENARIO_NOTE = `\`ideal\` writes each entry once, \`worst\` writes in every request. Cache hits inside batches are best-effort: the Message Batches documentation says 30% to 98%, depending on traffic (${DOCS.batches}).`;

/** How `planned` was made, and its range over concurrency. */
function plannedNote(estimate: Estimate): string {
  const how = estimate.plannedModel;
  if (how.kind === "expected") {
    return `\`planned\` uses the plan's expected writes and reads (concurrency ${how.concurrency}: a cold entry is written by every request that starts before the first write is visible; 1h entries outlive a wave, 5m entries do not).`;
  }
  const simulated = `\`planned\` is a simulated run of the plan on the cache and batch model (\`simulate()\`, concurrency ${n(how.concurrency)}, seed ${how.seed}): each request pays for the entries it wrote and read there, at this estimate's token counts.`;
  const range = estimate.total.plannedRange;
  if (range === null) {
    return `${simulated} No sensitivity runs over concurrency (option \`sensitivity\`; off by default above ${n(SENSITIVITY_MAX_REQUESTS)} requests).`;
  }
  const ends = range.runs.map((run) => run.concurrency);
  const at = `At concurrency ${n(ends[0]!)} to ${n(ends[ends.length - 1]!)}`;
  const low = money(range.low);
  const high = money(range.high);
  return low === high
    ? `${simulated} ${at} it costs the same (${low}).`
    : `${simulated} ${at} it costs ${low} to ${high}.`;
}

/** Most groups given a break-even note. */
const MAX_GROUP_NOTES = 5;

/** The estimate's notes: counting, assumptions, groups' break-even points, then pricing caveats. */
export function writeNotes(estimate: Estimate, ctx: NoteContext): string[] {
  return [
    ...countNotes(estimate, ctx),
    ...assumptionNotes(estimate),
    ...groupNotes(estimate),
    ...pricingNotes(estimate, ctx),
  ];
}

/** Which counter, and how much of the tails it tokenized. */
function countNotes(estimate: Estimate, ctx: NoteContext): string[] {
  const notes: string[] = [];
  const { total, count } = estimate;
  if (estimate.counter === "tiktoken-estimate") {
    notes.push(
      // The newer tokenizer of Claude 4.7 and later gives about 30% more tokens (reference fact 5).
      `Token counts are offline estimates: js-tiktoken's cl100k_base, scaled by 1.3 for the tokenizer of Claude 4.7 and later (which gives about 30% more tokens for the same text); images and PDFs from their size.${ctx.onePass ? "" : " For the API's own counts use `--count exact`."}`,
    );
  } else if (ctx.counterEstimated) {
    notes.push(`Token counts are estimates by \`${estimate.counter}\`.`);
  } else {
    notes.push(
      `Token counts are the API's (\`${estimate.counter}\`); the API calls them estimates that may include a few system-added tokens (${DOCS.tokenCounting}).`,
    );
  }
  if (count.mode === "sampled" && count.sampledRequests < count.requests) {
    const cpt = Object.entries(count.charsPerToken)
      .map(([kind, v]) => `${v.toFixed(2)} chars/token for ${kind}`)
      .join(", ");
    const inputTokens =
      total.scenarios.standard.tokens.input +
      total.scenarios.standard.tokens.cacheWrite5m +
      total.scenarios.standard.tokens.cacheWrite1h +
      total.scenarios.standard.tokens.cacheRead;
    notes.push(
      `Unique tails: ${n(count.sampledRequests)} of ${n(count.requests)} requests tokenized (a seeded sample, seed ${count.seed}); the rest extrapolated at ${cpt || "the sample's ratio"}. 95% interval on input tokens: ±${n(total.inputTokensMargin95)} (±${pct(inputTokens > 0 ? total.inputTokensMargin95 / inputTokens : 0)})${ctx.onePass ? "." : "; `--count full` tokenizes every request."}`,
    );
  }
  return notes;
}

/** The output assumption, how `planned` was made, and whether caching pays. */
function assumptionNotes(estimate: Estimate): string[] {
  const notes: string[] = [];
  const o = estimate.output;
  const assumption =
    o.assumption.kind === "tokens"
      ? `${n(o.assumption.tokens)} output tokens per request (capped at its max_tokens)`
      : `${pct(o.assumption.fraction)} of each request's max_tokens`;
  notes.push(
    `Output is an assumption: ${assumption}, ${n(o.assumedTokens)} tokens in all; the USD range runs from no output to every request using its max_tokens (${n(o.maxTokens)} tokens).`,
  );
  notes.push(`${plannedNote(estimate)} ${SCENARIO_NOTE}`);
  const how = estimate.plannedModel;
  if (how.kind === "simulate" && how.fallbackRequests > 0) {
    notes.push(
      `${requests(how.fallbackRequests)} did not succeed in the simulation (errored, expired or canceled); \`planned\` prices them with the plan's expected writes and reads.`,
    );
  }
  const batch = estimate.total.scenarios.batch.usd;
  const planned = estimate.total.scenarios.planned.usd;
  if (planned > batch) {
    notes.push(
      `Caching does not pay for this job as planned: ${money(planned - batch)} more than the batch without caching.`,
    );
  }
  return notes;
}

/** Break-even notes of the groups that save most. */
function groupNotes(estimate: Estimate): string[] {
  const notes: string[] = [];
  const ranked = estimate.groups
    .map((g) => ({ g, saving: g.scenarios.batch.usd - g.scenarios.planned.usd }))
    .sort((a, b) => b.saving - a.saving);
  for (const { g, saving } of ranked.slice(0, MAX_GROUP_NOTES)) {
    const h = g.breakEvenHitRate;
    if (h === null) continue;
    if (h > 1) {
      notes.push(
        `${g.id} (${requests(g.requests)}): its caching costs ${money(-saving)} more than no caching even if every expected read hits.`,
      );
    } else {
      notes.push(
        `${g.id} (${requests(g.requests)}, ${g.model}): planned saves ${money(saving)} against batch, and still beats it if at least ${Math.ceil(h * 100)}% of its expected reads hit.`,
      );
    }
  }
  if (ranked.length > MAX_GROUP_NOTES)
    notes.push(
      `… and ${ranked.length - MAX_GROUP_NOTES} more group${ranked.length - MAX_GROUP_NOTES === 1 ? "" : "s"} (see \`groups\` in --json).`,
    );
  return notes;
}

/** Uncertain prices, `inference_geo`, long-context tiers, stray markers, rejected requests. */
function pricingNotes(estimate: Estimate, ctx: NoteContext): string[] {
  const notes: string[] = [];
  for (const model of Object.keys(estimate.byModel)) {
    const info = ctx.models.get(model);
    if (info && (info.priceConfidence === "third-party" || info.priceConfidence === "unknown")) {
      notes.push(
        info.priceConfidence === "unknown"
          ? `Prices of ${model} are user-supplied or unknown; treat its figures as uncertain.`
          : `Prices of ${model} are from third parties only, not yet from the pricing page (${DOCS.pricing}); treat its figures as uncertain.`,
      );
    }
  }
  if (ctx.usRequests > 0)
    notes.push(
      `${requests(ctx.usRequests)} set \`inference_geo: "us"\`: every token category at 1.1× (${DOCS.pricing}).`,
    );
  if (ctx.tiered > 0)
    notes.push(
      `${requests(ctx.tiered)} ${ctx.tiered === 1 ? "exceeds" : "exceed"} a long-context threshold and ${ctx.tiered === 1 ? "is" : "are"} priced at the tier's rates, the whole request (${DOCS.pricing}).`,
    );
  if (ctx.strays > 0)
    notes.push(
      `${requests(ctx.strays)} ${ctx.strays === 1 ? "carries" : "carry"} \`cache_control\` markers that are not among the plan's breakpoints (see the plan's warnings); their tokens are billed as uncached input here, so any write premium they cause is not included.`,
    );
  if (ctx.plan.rejected.length > 0)
    notes.push(
      `${n(ctx.plan.rejected.length)} rejected ${ctx.plan.rejected.length === 1 ? "request is" : "requests are"} not in the estimate.`,
    );
  return notes;
}
