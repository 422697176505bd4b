/**
 * The seam between cacheplan and one batch system (STYLE item 21, unstorage's `Driver`): a
 * *target* says how a planned request becomes a line of a batch, what the system accepts (limits,
 * batch-only rules), how its cache behaves (markers, TTLs, lookback, minimums through the model
 * table), how its `usage` reports cache tokens, what it costs (dated, sourced price rows), how a
 * result line maps back to its request, and how to make a client. Each target lives in
 * `src/targets/<id>/` and is registered by one line in `src/targets/index.ts`.
 */
import type { ModelInfo } from "../pricing/model-table.js";
import type { BatchBackend } from "../run/backend.js";

/** A request as the planner holds it: an id and the Messages-style body to send. */
export interface PlannedRecord {
  /** The request's id, unique within the job. */
  custom_id: string;
  /** The request body. */
  params: Record<string, unknown>;
}

/** How requests are written to a batch and read back. */
export interface RecordFormat {
  /** The batch line for a planned request (Anthropic: `{custom_id, params}`). */
  toLine(record: PlannedRecord): unknown;
  /** The id and body of a batch line, or `undefined` when the value is not a line of this format. */
  fromLine(line: unknown): { id: string; body: Record<string, unknown> } | undefined;
  /**
   * Why the system would refuse these params inside a batch although its synchronous API takes
   * them, or `undefined` (Anthropic: `max_tokens: 0`, `stream`, `speed`).
   */
  batchOnlyViolation(
    params: Record<string, unknown>,
  ): { kind: string; reason: string; apiMessage: string } | undefined;
}

/** What one batch may hold. */
export interface TargetLimits {
  /** Most requests in one batch (or job). */
  maxRequests: number;
  /** Largest batch body (or input file) in bytes. */
  maxBytes: number;
  /** Fewest requests a batch may hold (Bedrock documents 100); 1 when there is no minimum. */
  minRequests: number;
  /** Largest `max_tokens` any model accepts in a batch, or `undefined` when not documented. */
  maxOutputTokens: number | undefined;
  /** The id rule a request's id must match. */
  idPattern: RegExp;
  /** How long results stay downloadable after creation, in ms, or `undefined` when not documented. */
  resultsRetentionMs: number | undefined;
  /**
   * Whether one batch (job, input file) may hold only one model, because the system sets the
   * model on the job (Vertex, Bedrock, OpenAI). Absent or false: models may mix (Anthropic).
   */
  oneModelPerBatch?: boolean;
  /** Most jobs the system runs at once per project or account, when documented (Vertex: 4). */
  maxConcurrentJobs?: number;
}

/** How the system's prompt cache works inside a batch. */
export interface CachingRules {
  /**
   * How a prefix is cached: `"explicit"` markers the planner places (Anthropic `cache_control`),
   * `"automatic"` prefix caching with no markers (OpenAI before GPT-5.6), or `"none"` (Bedrock
   * batch inference: hints are ignored).
   */
  markers: "explicit" | "automatic" | "none";
  /** Most markers one request may carry (0 when markers are not used). */
  maxBreakpoints: number;
  /** Positions a read looks back from a marker, the marker counted as the first. */
  lookbackPositions: number;
  /** Lifetime of an entry per TTL name, in ms (Anthropic: `5m`, `1h`). */
  ttlMs: Readonly<Record<string, number>>;
  /** The TTL a marker without one gets. */
  defaultTtl: string;
  /** Minimum cacheable prefix used for a model the table does not know (per-model ones are in the rows). */
  conservativeMinCacheableTokens: number;
}

/**
 * Where a result's `usage` keeps its token counts (field names inside the usage object), for the
 * one usage reader. Counts that a system does not report are `undefined`.
 */
export interface UsageFields {
  /** Path from a succeeded result line to its usage object, e.g. `["result", "message", "usage"]`. */
  path: readonly string[];
  /** Input tokens (Anthropic: only those after the last breakpoint, see `inputIncludesCache`). */
  input: string;
  /** Output tokens. */
  output: string;
  /** Tokens read from the cache. */
  cacheRead: string | undefined;
  /** Tokens written to the cache, all TTLs together. */
  cacheWrite: string | undefined;
  /** The object splitting `cacheWrite` per TTL, and its field per TTL name. */
  cacheWriteByTtl: { field: string; ttl: Readonly<Record<string, string>> } | undefined;
  /** Whether `input` already counts the cached tokens (OpenAI `prompt_tokens`) or not (Anthropic). */
  inputIncludesCache: boolean;
}

/** Global price factors of a target; per-model prices are in its rows. */
export interface PriceMultipliers {
  /**
   * Cache write price per TTL, as a multiple of base input, in the vocabulary of the usage split
   * (`cacheWrite5m`, `cacheWrite1h`); a target with one write price gives it for both.
   */
  write: Readonly<{ "5m": number; "1h": number }>;
  /** Read multiplier of a row that gives none. */
  defaultRead: number;
  /** Batch discount on all usage. */
  batch: number;
  /** Data-residency factor (Anthropic `inference_geo: "us"`), 1 when none. */
  usGeo: number;
}

/** A result line normalised across targets (STYLE item 22), the raw line kept beside it. */
export type TargetResult =
  | { id: string; status: "succeeded"; usage: unknown; raw: unknown }
  | { id: string; status: "failed"; errorType: string; raw: unknown }
  | { id: string; status: "cancelled" | "expired"; raw: unknown };

/** How a client is made; the SDK is imported only when this is called. */
export interface ClientOptions {
  /** The API key; never written to a file, a log or an error message. */
  apiKey?: string | null;
  /** Another endpoint (the emulator, a gateway). */
  baseURL?: string | null;
  /** Retries of the SDK itself. */
  maxRetries?: number;
}

/** One batch system. */
export interface Target<Client = unknown> {
  /** The registry key, e.g. `"anthropic"`. */
  id: string;
  /** A name for people, e.g. `"Anthropic Message Batches API"`. */
  name: string;
  /** How requests are written and read back. */
  format: RecordFormat;
  /** What one batch may hold. */
  limits: TargetLimits;
  /** How the cache works inside a batch. */
  caching: CachingRules;
  /** Where `usage` keeps its counts. */
  usage: UsageFields;
  /** Global price factors. */
  prices: PriceMultipliers;
  /** The built-in model rows, keyed by canonical id: dated (`checked`) and sourced (`sources`). */
  models: Readonly<Record<string, ModelInfo>>;
  /** A result line normalised, or `undefined` when the value is not a result line of this target. */
  readResult(line: unknown): TargetResult | undefined;
  /** A client of the system; loads its SDK lazily (`plan` never calls this). */
  createClient(options?: ClientOptions): Promise<Client>;
  /**
   * The runner's backend on `client` (`src/run/backend.ts`): how `submit`, `cancel` and the
   * adoption rule create, poll, list, cancel and read batches. Absent: the target cannot be
   * submitted yet.
   */
  backend?(client: Client): BatchBackend | Promise<BatchBackend>;
}

/** Gives a target object its type; does nothing else (like unstorage's `defineDriver()`). */
export function defineTarget<Client>(target: Target<Client>): Target<Client> {
  return target;
}
