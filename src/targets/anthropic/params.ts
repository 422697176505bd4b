/**
 * The top-level fields of Messages `params` and the ranges of the sampling parameters. Reference:
 * ../shared/reference/anthropic-caching-and-batches.md §5.1 (`params` is the full
 * `MessageCreateParamsNonStreaming`, SDK-B 338).
 */

/**
 * Body fields of a batch item's `params` (and of `POST /v1/messages`): `MessageCreateParamsBase`
 * of SDK 1.12.0 (SDK-M 5639-5929) with its beta additions (SDK-BM 7095-7477, and the beta batch
 * item's own `Request.Params`, SDK-BB 358 ff.: `billing_policy`, `compaction`,
 * `context_management`, `fallback_credit_token`, `fallbacks`, `mcp_servers`, `output_format`,
 * `thread`), plus the sampling parameters `temperature`, `top_k`, `top_p`, which the API takes
 * and the Vercel AI SDK and LangChain send although SDK 1.12.0 no longer types them. The API
 * refuses any other field with a 400 ("Extra inputs are not permitted").
 */
export const MESSAGE_PARAMS_FIELDS: ReadonlySet<string> = new Set([
  "model",
  "max_tokens",
  "messages",
  "billing_policy",
  "cache_control",
  "compaction",
  "container",
  "context_management",
  "diagnostics",
  "fallback_credit_token",
  "fallbacks",
  "inference_geo",
  "mcp_servers",
  "metadata",
  "output_config",
  "output_format",
  "service_tier",
  "speed",
  "stop_sequences",
  "stream",
  "system",
  "temperature",
  "thinking",
  "thread",
  "tool_choice",
  "tools",
  "top_k",
  "top_p",
]);

/**
 * Fields the SDK types take next to the body but sends as headers (SDK-M 5911-5928 "Header
 * param"; SDK-BM `betas`): in a batch they belong on `create({requests, user_profile_id?,
 * workspace_id?})` (reference §5.1), and the beta batch item's `Params` (SDK-BB 358 ff.) has none
 * of them, so inside `params` they are unknown body fields.
 */
export const HEADER_PARAMS: ReadonlySet<string> = new Set([
  "betas",
  "user_profile_id",
  "workspace_id",
]);

/** `temperature` and `top_p`: numbers from 0 to 1 (Messages API reference, `temperature`, `top_p`). */
export const UNIT_INTERVAL_PARAMS = ["temperature", "top_p"] as const;
