/**
 * Token counts for the simulator. `simulate()` is synchronous and pure, so it takes a
 * synchronous {@link TokensOf}; {@link prepareTokens} builds one from any async
 * {@link TokenCounter}, counting each distinct segment once (DESIGN: "each distinct segment is
 * counted once").
 */
import { OptionsError } from "../errors.js";
import { ContextInterner, type Segment, segmentRequest } from "../request/segments.js";
import type { TokenCounter } from "../tokens/counter.js";
import type { BatchRequest } from "../types.js";
import type { SimJob } from "./job.js";

/**
 * Tokens of one segment for one model. Called for every segment of every simulated request, so it
 * must be fast and synchronous; the usual source is {@link prepareTokens}.
 */
export type TokensOf = (segment: Segment, model: string) => number;

/** The requests of a job, the prewarm included, as batch requests (prewarm ids are synthetic). */
export function jobRequests(job: SimJob): BatchRequest[] {
  const out: BatchRequest[] = [];
  (job.prewarm ?? []).forEach((params, i) => {
    out.push({ custom_id: `prewarm-${i}`, params });
  });
  for (const batch of job.batches) out.push(...batch.requests);
  return out;
}

function keyOf(model: string, contentHash: string): string {
  return `${model}\u0000${contentHash}`;
}

/**
 * Counts every distinct segment of a job (batches and prewarm) once with `counter`, in one call,
 * and returns a synchronous {@link TokensOf} over the counts. Asking it for a segment that is not
 * in the job throws an `OptionsError`.
 *
 * @example
 * ```
 * const tokensOf = await prepareTokens(plan, createTiktokenCounter());
 * const result = simulate(plan, { tokensOf });
 * ```
 */
export async function prepareTokens(job: SimJob, counter: TokenCounter): Promise<TokensOf> {
  const interner = new ContextInterner();
  const counts = new Map<string, number>();
  const pending: Array<{ key: string; hash: string; model: string; block: Segment["block"] }> = [];
  for (const request of jobRequests(job)) {
    const params = request.params as unknown as Record<string, unknown>;
    if (!Array.isArray(params.messages)) continue; // simulate() reports it as invalid
    const model = String(params.model);
    for (const segment of segmentRequest(request, interner).segments) {
      const key = keyOf(model, segment.contentHash);
      if (counts.has(key)) continue;
      counts.set(key, 0);
      pending.push({ key, hash: segment.contentHash, model, block: segment.block });
    }
  }
  const figures = await counter.countSegments(
    pending.map(({ hash, model, block }) => ({ hash, model, block })),
  );
  pending.forEach(({ key }, i) => {
    counts.set(key, figures[i] ?? 0);
  });
  return (segment, model) => {
    const count = counts.get(keyOf(model, segment.contentHash));
    if (count === undefined) {
      throw new OptionsError(
        `\`tokensOf\` has no count for segment \`${segment.label}\` of model "${model}": build it with \`prepareTokens()\` from the same job you simulate (prewarm included).`,
      );
    }
    return count;
  };
}
