/** The notes of a report (internal): assumptions and caveats behind its figures, as sentences. */
import { int, plural } from "./_format.js";
import type { Tally } from "./_sums.js";
import type { ReportFigures } from "./types.js";

/** The public pages that user-facing notes cite (code comments cite the reference's sections). */
const DOCS = {
  caching: "https://platform.claude.com/docs/en/build-with-claude/prompt-caching",
  batches: "https://platform.claude.com/docs/en/build-with-claude/batch-processing",
  pricing: "https://platform.claude.com/docs/en/about-claude/pricing",
} as const;

/** What `reportNotes` needs to know. */
export interface NoteContext {
  plan: boolean;
  estimate: boolean;
  overall: ReportFigures;
  /** Planned requests outside every group; undefined without a plan. */
  ungrouped: ReportFigures | undefined;
  tally: Tally;
}

export function reportNotes({ plan, estimate, overall, ungrouped, tally }: NoteContext): string[] {
  const notes: string[] = [];
  if (!plan)
    notes.push(
      "No plan given: totals per model only. Pass the plan folder for groups, waves, batches, missing requests and miss attribution.",
    );
  else if (!estimate)
    notes.push("No estimate given: no comparison with the plan's planned and ideal figures.");
  // The usage fields (reference fact 17).
  notes.push(
    `\`input\` counts only the uncached tokens after the last breakpoint; a request's input is input + cache writes + cache reads (${DOCS.caching}).`,
  );
  if (tally.unsplit > 0)
    notes.push(
      `${plural(tally.unsplit, "result")} had no \`usage.cache_creation\` breakdown; ${tally.unsplit === 1 ? "its" : "their"} ${int(tally.unsplitTokens)} cache-write tokens were counted and priced as 5m writes (1.25x; a 1h write is 2x), so their USD may be low.`,
    );
  if (tally.mismatched > 0)
    notes.push(
      `${plural(tally.mismatched, "result")} had a \`usage.cache_creation\` breakdown that does not sum to \`cache_creation_input_tokens\`; the total was kept and the difference counted as 5m writes.`,
    );
  if (tally.notBatch > 0)
    notes.push(
      `${plural(tally.notBatch, "succeeded result")} did not report \`usage.service_tier: "batch"\` and ${tally.notBatch === 1 ? "was" : "were"} priced at standard (non-batch) prices.`,
    );
  if (tally.us > 0)
    notes.push(
      `${plural(tally.us, "request")} ran with \`inference_geo: "us"\`, priced at 1.1x on every token kind (${DOCS.pricing}).`,
    );
  if (tally.usFlat > 0)
    notes.push(
      `${plural(tally.usFlat, "request")} ran with \`inference_geo: "us"\` on a model before Claude 4.6, which has no US multiplier; priced at standard rates.`,
    );
  if (ungrouped && ungrouped.requestsWithWrites > 0) {
    const t = ungrouped.tokens;
    // A breakpoint on a request's unique content is pure write premium (reference §10).
    notes.push(
      `${plural(ungrouped.requestsWithWrites, "request")} outside every group wrote ${int(t.cacheWrite5m + t.cacheWrite1h)} tokens to the cache that no other planned request shares: a marker on a unique tail is pure write premium, since no later request reads it; see the planner's \`user-marker-unique-tail\` warning.`,
    );
  }
  if (overall.requests.errored + overall.requests.canceled + overall.requests.expired > 0)
    notes.push(
      `Only succeeded results are billed (${DOCS.batches}); errored, canceled and expired requests cost nothing and are left out of the token and USD figures.`,
    );
  if (estimate)
    notes.push(
      "Against the estimate, a group's cache writes are credited whole once any of its requests succeeded (an entry is written once however many requests follow), its reads to the others, and its other tokens per succeeded request (outside groups, the model's mean per request); `at actual tokens` scales the estimate's input side to the measured input tokens and uses the actual output, so only caching differs. The estimate's output is an assumption: `varianceByKind.output` shows how much of the variance it explains.",
    );
  return notes;
}
