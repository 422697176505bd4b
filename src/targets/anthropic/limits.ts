/**
 * Size and lifetime limits of the Anthropic Message Batches API. Every other module imports them
 * from here. Reference: ../shared/reference/anthropic-caching-and-batches.md.
 */

/**
 * Most requests in one Message Batch: "limited to either 100,000 Message requests or 256 MB in
 * size, whichever is reached first" (reference §5.2 and fact 11, BP-en §Batch limitations).
 */
export const API_MAX_REQUESTS = 100_000;

/**
 * Largest body of one `POST /v1/messages/batches`, in bytes: 256 MB; an oversized body may get a
 * 413 `request_too_large` (reference §5.2 and fact 11, BP-en §Troubleshooting).
 */
export const API_MAX_BYTES = 256_000_000;

/**
 * Largest `max_tokens` any model accepts in a batch: 300,000, with the extended-output beta
 * (reference §5.2, BP-en: `output-300k-2026-03-24` "allows `max_tokens` up to 300,000 in
 * batches"). Per-model limits are lower and not in the model table, so only this bound is
 * checked: anything above it is a 400 on every model (and `1e300` would make estimates absurd).
 */
export const MAX_OUTPUT_TOKENS = 300_000;

/** Results of a batch stay downloadable for 29 days after `created_at` (reference §5.2 and fact 19). */
export const RESULTS_RETENTION_MS = 29 * 24 * 60 * 60_000;

/**
 * Largest body of one `POST /v1/messages` or `POST /v1/messages/count_tokens`, in bytes: 32 MB
 * ("Request size limits": Messages API 32 MB, Token Counting API 32 MB,
 * https://docs.claude.com/en/api/errors); above it the API answers 413 `request_too_large`.
 */
export const MESSAGES_MAX_BYTES = 32_000_000;
