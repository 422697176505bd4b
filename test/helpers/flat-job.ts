/** A job of short requests with no shared prefix: one wave, batches cut by `maxRequests`. */
import type { BatchRequest } from "../../src/index.js";

/** `n` short requests, `q0` to `q<n-1>`. */
export function flatJob(n: number): BatchRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    custom_id: `q${i}`,
    params: {
      model: "claude-sonnet-4-6",
      max_tokens: 8,
      messages: [{ role: "user", content: `Item ${i}: yes or no?` }],
    },
  }));
}
