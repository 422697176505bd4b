/**
 * Limits of Vertex AI batch prediction for Claude (other-batch-systems.md §3.3).
 */
import { API_MAX_BYTES, API_MAX_REQUESTS, MAX_OUTPUT_TOKENS } from "../anthropic/limits.js";

/**
 * Per-job request and size caps for Claude batches are not documented in any version seen (§3.3
 * [U]); Anthropic's 100,000 requests / 256 MB is the conservative default the reference suggests.
 */
export const VERTEX_MAX_REQUESTS = API_MAX_REQUESTS;
/** See {@link VERTEX_MAX_REQUESTS}: undocumented, Anthropic's 256 MB used [U]. */
export const VERTEX_MAX_BYTES = API_MAX_BYTES;
/** `max_tokens` bound: Anthropic's, the body being Anthropic's (§3.1) [U for Vertex]. */
export const VERTEX_MAX_OUTPUT_TOKENS = MAX_OUTPUT_TOKENS;
/**
 * "By default, you can make up to four concurrent batch requests in a single project" (§3.3,
 * VX-B [D]); excess jobs queue (VX-BQ).
 */
export const VERTEX_MAX_CONCURRENT_JOBS = 4;
