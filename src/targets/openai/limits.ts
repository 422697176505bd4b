/**
 * Size and lifetime limits of the OpenAI Batch API. Reference:
 * ../shared/reference/other-batch-systems.md §4.1-4.3 (OA-B: https://developers.openai.com/api/docs/guides/batch).
 */

/** "A single batch may include up to 50,000 requests" (reference §4.3, OA-B). */
export const MAX_REQUESTS = 50_000;

/** "A batch input file can be up to 200 MB in size" (reference §4.3, OA-B); counted as 200 × 10^6 bytes, the stricter reading. */
export const MAX_BYTES = 200_000_000;

/**
 * The endpoints the planner accepts: the two that carry prompts worth caching. The Batch API
 * also takes embeddings, completions, moderations, images and videos (reference §4.1, OA-SDK
 * `BatchCreateParams.endpoint`); "one endpoint per batch".
 */
export const ENDPOINTS = ["/v1/chat/completions", "/v1/responses"] as const;

/** One of {@link ENDPOINTS}. */
export type OpenAIEndpoint = (typeof ENDPOINTS)[number];

/** The batch's completion window: `24h` is the only value (reference §4.2, OA-SDK). */
export const COMPLETION_WINDOW = "24h";

/**
 * Output files are deleted "30 days after the batch is complete" unless `output_expires_after`
 * says otherwise (reference §4.2, OA-B).
 */
export const RESULTS_RETENTION_MS = 30 * 24 * 60 * 60_000;

/**
 * `custom_id` must be a unique string; its length limit is not documented (reference §4.1, §8:
 * "one gateway enforces 64"). The planner accepts 1 to 512 characters without control
 * characters, and warns above 64.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is "no control characters".
export const CUSTOM_ID_PATTERN = /^[^\u0000-\u001f\u007f]{1,512}$/;

/** Above this length a `custom_id` may be refused by gateways (reference §4.1 [U]). */
export const CUSTOM_ID_SAFE_LENGTH = 64;

/**
 * Largest `max_completion_tokens` / `max_output_tokens` the planner accepts: 128,000 (the GPT-5
 * family's documented output limit); above it every model answers 400.
 */
export const MAX_OUTPUT_TOKENS = 128_000;
