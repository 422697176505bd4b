/**
 * What a probe costs (internal): its price table, from the model table, before anything is sent;
 * and what a response cost, from its usage. Stacked prices: batch 50% off, 5m write 1.25×, 1h
 * write 2×, read at the model's multiplier (reference facts 8, 9; `pricing/cost.ts`).
 */
import { costOf, type TokenBreakdown, zeroTokens } from "../pricing/cost.js";
import { defaultModelTable, type ModelInfo, type ModelTable } from "../pricing/models.js";
import { rowOf } from "../pricing/unknown-model.js";
import { USAGE_FIELDS } from "../targets/anthropic/usage.js";
import type { CacheTtl } from "../types.js";
import { readUsage } from "../usage.js";
import { PROBE_DEFAULTS, resolveLong, timedPoints } from "./_design.js";
import type { ProbeCost, ProbeCostLine, ProbeLongOptions } from "./types.js";

/** The planner's default concurrency: a cold group of n writes min(n, 64) times (`plan/_cost-model.ts`). */
const MODEL_CONCURRENCY = 64;

type Kind = "write5m" | "write1h" | "read";

function tokensOf(kind: Kind, prefix: number): TokenBreakdown {
  const t = { ...zeroTokens(), input: PROBE_DEFAULTS.tailTokens, output: 1 };
  if (kind === "write5m") t.cacheWrite5m = prefix;
  else if (kind === "write1h") t.cacheWrite1h = prefix;
  else t.cacheRead = prefix;
  return t;
}

const writeOf = (ttl: CacheTtl): Kind => (ttl === "1h" ? "write1h" : "write5m");

/** The prefix size a cost assumes before count_tokens sized it: the minimum plus the margin and 10%. */
export function assumedPrefixTokens(info: ModelInfo): number {
  return Math.ceil(info.minCacheableTokens * (1 + PROBE_DEFAULTS.margin + 0.1));
}

/**
 * The probe's price table for a model, from the model table: per line what is sent and its cost
 * if every reader reads (`low`), as cacheplan's model assumes (`expected`), and if nothing is ever
 * read (`high`, what the cap is checked with). Sends nothing.
 */
export function probeCost(
  model: string,
  options: {
    k?: number | undefined;
    long?: boolean | ProbeLongOptions | undefined;
    models?: ModelTable | undefined;
    prefixTokens?: number;
  } = {},
): ProbeCost {
  const { info, known } = rowOf(options.models ?? defaultModelTable, model);
  const k = options.k ?? PROBE_DEFAULTS.k;
  const prefix = options.prefixTokens ?? assumedPrefixTokens(info);
  const usd = (kind: Kind, batch: boolean, n = 1) =>
    n * costOf(info, tokensOf(kind, prefix), { batch });
  const line = (
    step: ProbeCostLine["step"],
    what: string,
    api: ProbeCostLine["api"],
    requests: number,
    low: number,
    expected: number,
    high: number,
  ): ProbeCostLine => ({
    step,
    what,
    api,
    requests,
    lowUsd: low,
    expectedUsd: expected,
    highUsd: high,
  });
  const batch = true;
  const coldWrites = Math.min(k, MODEL_CONCURRENCY);
  const lines = [
    line(
      "a",
      `cold batch of ${k}`,
      "batch",
      k,
      usd("write5m", batch) + usd("read", batch, k - 1),
      usd("write5m", batch, coldWrites) + usd("read", batch, k - coldWrites),
      usd("write5m", batch, k),
    ),
    line(
      "b",
      "primer batch of 1 (1h marker)",
      "batch",
      1,
      usd("write1h", batch),
      usd("write1h", batch),
      usd("write1h", batch),
    ),
    line(
      "b",
      `batch of ${k} readers of the primer`,
      "batch",
      k,
      usd("read", batch, k),
      usd("read", batch, k),
      usd("write5m", batch, k),
    ),
    line(
      "c",
      "synchronous write (1h marker)",
      "messages",
      1,
      usd("write1h", false),
      usd("write1h", false),
      usd("write1h", false),
    ),
    // cacheplan's model: a batch does not see a synchronous write (ISS-1475), so all k write.
    line(
      "c",
      `batch of ${k} readers of the synchronous write`,
      "batch",
      k,
      usd("read", batch, k),
      usd("write5m", batch, k),
      usd("write5m", batch, k),
    ),
  ];
  for (const p of timedPoints(resolveLong(options.long))) {
    const write = usd(writeOf(p.ttl), false);
    const expiredRead =
      p.kind !== "visibility" && p.delayMs > (p.ttl === "1h" ? 3_600_000 : 300_000);
    lines.push(
      line(
        "d",
        `${p.id}: synchronous write, read ${Math.round(p.delayMs / 1000)} s after`,
        "messages",
        2,
        write + usd("read", false),
        write + (expiredRead ? write : usd("read", false)),
        2 * write,
      ),
    );
  }
  const sum = (f: (l: ProbeCostLine) => number) => lines.reduce((s, l) => s + f(l), 0);
  return {
    model,
    known,
    prefixTokens: prefix,
    minimum: { tokens: info.minCacheableTokens, confidence: info.minimumConfidence },
    k,
    lines,
    total: {
      lowUsd: sum((l) => l.lowUsd),
      expectedUsd: sum((l) => l.expectedUsd),
      highUsd: sum((l) => l.highUsd),
    },
  };
}

/** USD of one response, from its usage (0 when the usage cannot be read). */
export function usageUsd(info: ModelInfo, usage: unknown, batch: boolean): number {
  const reading = readUsage(usage, USAGE_FIELDS);
  return reading.ok ? costOf(info, reading.tokens, { batch }) : 0;
}
