/**
 * The one reader of a result's `usage`: its counts, in one shape (`TokenBreakdown`, the
 * vocabulary prices use), with the cache write split by TTL. Where a system keeps each count is a
 * fact of its target (`Target.usage`, e.g. `src/targets/anthropic/usage.ts`); how the counts are
 * read, checked and split is here, once, for the simulator, the runner and the report.
 */
import { type TokenBreakdown, zeroTokens } from "./pricing/cost.js";
import type { UsageFields } from "./targets/target.js";
import { isObject } from "./util/json.js";

/** A usage object, read. */
export interface TokenUsage {
  /**
   * Tokens by kind: `input` only the uncached part, the write split into 5m and 1h (reference
   * §8: `cache_creation` splits `cache_creation_input_tokens` by TTL).
   */
  tokens: TokenBreakdown;
  /** The write had no split (`cache_creation` null) while tokens were written: all counted as 5m. */
  unsplit: boolean;
  /** The split did not sum to the write total: the total was trusted, the difference counted as 5m. */
  mismatched: boolean;
}

/** A usage object read, or what is wrong with it. */
export type UsageReading = ({ ok: true } & TokenUsage) | { ok: false; problem: string };

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

const code = (field: string) => `\`usage.${field}\``;

/**
 * Reads `usage` where `fields` says its counts are. Missing or null cache counts are 0. The split
 * assigns the 1h part (capped at the total) to `cacheWrite1h` and the rest to `cacheWrite5m`;
 * without a split every written token counts as 5m, the API default TTL (reference §3: "Defaults
 * to `5m`"), and `unsplit` says so.
 */
export function readUsage(usage: unknown, fields: UsageFields): UsageReading {
  if (!isObject(usage)) return { ok: false, problem: "there is no usage object" };
  const input = usage[fields.input];
  const output = usage[fields.output];
  if (!isCount(input) || !isCount(output))
    return {
      ok: false,
      problem: `${code(fields.input)} and ${code(fields.output)} must be numbers >= 0`,
    };
  const byTtl = fields.cacheWriteByTtl;
  const rawSplit = byTtl === undefined ? undefined : usage[byTtl.field];
  const splitOf = (ttl: string): unknown => {
    const field = byTtl?.ttl[ttl];
    return isObject(rawSplit) && field !== undefined ? (rawSplit[field] ?? 0) : 0;
  };
  const written = fields.cacheWrite === undefined ? undefined : usage[fields.cacheWrite];
  // With no write total but a split, the split is the total (reference §8: they sum).
  const write = written ?? Number(splitOf("5m")) + Number(splitOf("1h"));
  const read = fields.cacheRead === undefined ? 0 : (usage[fields.cacheRead] ?? 0);
  if (!isCount(write) || !isCount(read))
    return {
      ok: false,
      problem: `${code(fields.cacheWrite ?? "cache write")} and ${code(fields.cacheRead ?? "cache read")} must be numbers >= 0 or null`,
    };
  let split: { "5m": number; "1h": number } | undefined;
  if (byTtl !== undefined && isObject(rawSplit)) {
    const m5 = splitOf("5m");
    const h1 = splitOf("1h");
    if (!isCount(m5) || !isCount(h1))
      return {
        ok: false,
        problem: `${code(byTtl.field)} must hold numbers >= 0 for ${Object.values(byTtl.ttl)
          .map((f) => `\`${f}\``)
          .join(" and ")}`,
      };
    split = { "5m": m5, "1h": h1 };
  }
  const uncached = fields.inputIncludesCache ? input - read - write : input;
  if (uncached < 0)
    return {
      ok: false,
      problem: `${code(fields.input)} counts fewer tokens than were read from and written to the cache`,
    };
  // The split sums to the total (reference §8); if not, the total is trusted.
  const write1h = split ? Math.min(split["1h"], write) : 0;
  const tokens: TokenBreakdown = {
    input: uncached,
    cacheWrite5m: write - write1h,
    cacheWrite1h: write1h,
    cacheRead: read,
    output,
  };
  return {
    ok: true,
    tokens,
    unsplit: split === undefined && write > 0,
    mismatched: split !== undefined && split["5m"] + split["1h"] !== write,
  };
}

/** A running sum of read usages, with how many read from and wrote to the cache. */
export class UsageSum {
  readonly tokens: TokenBreakdown = zeroTokens();
  /** Usages summed. */
  count = 0;
  /** Usages with a cache read. */
  withReads = 0;
  /** Usages with a cache write. */
  withWrites = 0;

  add({ tokens }: TokenUsage): void {
    for (const kind of Object.keys(tokens) as (keyof TokenBreakdown)[]) {
      this.tokens[kind] += tokens[kind];
    }
    this.count += 1;
    if (tokens.cacheRead > 0) this.withReads += 1;
    if (tokens.cacheWrite5m + tokens.cacheWrite1h > 0) this.withWrites += 1;
  }
}
