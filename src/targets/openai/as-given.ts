/**
 * The requests as given, as a one-wave plan without any cache work (internal to the demo and the
 * strategy benchmark): one batch per model and endpoint in input order, under the file limits. Its
 * estimate's `planned` is what the job costs when sent without cacheplan.
 */
import type { BatchRequest, Plan } from "../../types.js";
import type { OpenAIBatchLine } from "./format.js";
import { MAX_REQUESTS } from "./limits.js";

/** `lines` as a plan that changes nothing. */
export function planAsGiven(lines: readonly OpenAIBatchLine[], concurrency = 64): Plan {
  const streams = new Map<string, OpenAIBatchLine[]>();
  for (const l of lines) {
    const key = `${String(l.body.model)} ${l.url}`;
    (streams.get(key) ?? streams.set(key, []).get(key)!).push(l);
  }
  const batches: Plan["batches"] = [];
  for (const list of streams.values())
    for (let i = 0; i < list.length; i += MAX_REQUESTS) {
      const part = list.slice(i, i + MAX_REQUESTS);
      batches.push({
        index: batches.length,
        wave: 0,
        requests: part.map(
          (l) => ({ custom_id: l.custom_id, params: l.body }) as unknown as BatchRequest,
        ),
        requestCount: part.length,
        bytes: part.reduce((s, l) => s + Buffer.byteLength(JSON.stringify(l)) + 1, 0),
      });
    }
  return {
    version: 1,
    options: {
      strategy: "none",
      ttl: "auto",
      userMarkers: "keep",
      maxRequests: MAX_REQUESTS,
      maxBytes: 200_000_000,
      maxWaves: 1,
      concurrency,
      counter: "o200k_base",
      target: "openai",
    },
    groups: [],
    batches,
    warnings: [],
    rejected: [],
    summary: {
      inputRequests: lines.length,
      planned: lines.length,
      rejected: 0,
      grouped: 0,
      waves: 1,
      batches: batches.length,
      markersAdded: 0,
      markersRemoved: 0,
      byModel: {},
    },
  };
}
