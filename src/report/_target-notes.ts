/**
 * What a report on Vertex or Bedrock results says about the facts the sources leave uncertain
 * (internal, issue 15 item 5): the run's own measurement, put next to the assumption it checks
 * (other-batch-systems.md §2.6, §3.4, §3.6).
 */
import type { ReportFigures } from "./types.js";

/** Notes for a plan of `target` (none for the Anthropic API). */
export function targetReportNotes(target: string | undefined, overall: ReportFigures): string[] {
  const t = overall.tokens;
  const cached = t.cacheRead + t.cacheWrite5m + t.cacheWrite1h;
  if (target === "vertex")
    return [
      `Vertex AI: cache hits inside Claude batch jobs were unmeasured before (the sources give none; other-batch-systems.md §3.6); the hit rate above is this run's, read from each line's \`response.usage\`. Lines are read as \`{custom_id, response | response.body, status}\` (the exact schema is not documented, §3.4).`,
    ];
  if (target === "bedrock")
    return [
      cached === 0
        ? "Amazon Bedrock: batch inference reported no cache usage, as the sources say (hints ignored; other-batch-systems.md §2.6, secondary sources only)."
        : `Amazon Bedrock: these batch results carry cache usage (${t.cacheRead.toLocaleString("en-US")} tokens read, ${(t.cacheWrite5m + t.cacheWrite1h).toLocaleString("en-US")} written), against the sources (§2.6); AWS publishes no batch cache price, so those tokens are priced at the on-demand cache multipliers with the batch discount: check them against your bill.`,
    ];
  return [];
}
