/**
 * Downloading a batch's results (internal): streamed line by line from the backend's `results()` into
 * `results/<batch>-<id>.jsonl` (through a temporary file renamed at the end, so a file under its
 * final name is always complete), never held whole. Each planned `custom_id` is written once;
 * what is missing or unexpected is counted.
 */
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import { resolveInside } from "../io/plan-dir.js";
import { addTokens, zeroTokens } from "../pricing/cost.js";
import type { TargetResult, UsageFields } from "../targets/target.js";
import { readUsage } from "../usage.js";
import type { ApiCaller } from "./_call.js";
import { ANTHROPIC_IDS, checkBatchId, type IdRule } from "./_ids.js";
import type { BatchBackend, CallOptions } from "./backend.js";
import { RESULTS_DIR, type ResultsRecord } from "./state.js";

/**
 * Path of a batch's results file, relative to the plan folder. The id is checked first (`_ids.ts`):
 * it becomes part of the name.
 */
export function resultsFileName(index: number, id: string, rule: IdRule = ANTHROPIC_IDS): string {
  checkBatchId(id, `batch ${index}`, rule);
  return `${RESULTS_DIR}/${String(index).padStart(4, "0")}-${id}.jsonl`;
}

/** An empty results record (nothing downloaded), e.g. for archived results. */
export function emptyResults(file: string, plannedIds: readonly string[]): ResultsRecord {
  return {
    file,
    lines: 0,
    byType: { succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    errors: {},
    missing: [...plannedIds],
    unexpected: 0,
    tokens: zeroTokens(),
    downloadedAt: new Date().toISOString(),
  };
}

/**
 * Adds a succeeded result's usage to the record, read by the one usage reader, in its vocabulary
 * (the write split 5m/1h). A usage the reader refuses adds nothing here; the line is still
 * written, and `cacheplan report` names what is wrong with it.
 */
function addUsage(record: ResultsRecord, usage: unknown, fields: UsageFields): void {
  const reading = readUsage(usage, fields);
  if (reading.ok) addTokens(record.tokens, reading.tokens);
}

/** The result type of the results record for a normalised result. */
const TYPE_OF = {
  succeeded: "succeeded",
  failed: "errored",
  cancelled: "canceled",
  expired: "expired",
} as const satisfies Record<TargetResult["status"], keyof ResultsRecord["byType"]>;

/** Counts one result line of the batch in the record. */
function count(record: ResultsRecord, result: TargetResult, fields: UsageFields): void {
  record.lines += 1;
  record.byType[TYPE_OF[result.status]] += 1;
  if (result.status === "failed") {
    record.errors[result.errorType] = (record.errors[result.errorType] ?? 0) + 1;
  } else if (result.status === "succeeded") {
    addUsage(record, result.usage, fields);
  }
}

/**
 * Streams the results of ended batch `id` (plan batch `index`) to its file; the whole download is
 * one idempotent call of `api` (retried from the start on a transient failure).
 */
export async function downloadResults(args: {
  backend: BatchBackend;
  api: ApiCaller;
  planDir: string;
  index: number;
  id: string;
  plannedIds: readonly string[];
}): Promise<ResultsRecord> {
  const file = resultsFileName(args.index, args.id, args.backend);
  await mkdir(path.join(args.planDir, RESULTS_DIR), { recursive: true });
  const target = await resolveInside(args.planDir, file, `batch ${args.index}'s results file`);
  return args.api.idempotent(`downloading the results of batch ${args.index} (${args.id})`, (o) =>
    streamTo(args, file, target, o),
  );
}

async function streamTo(
  args: { backend: BatchBackend; id: string; plannedIds: readonly string[] },
  file: string,
  target: string,
  options: CallOptions,
): Promise<ResultsRecord> {
  const temp = `${target}.partial-${process.pid}`;
  const record = emptyResults(file, []);
  const pending = new Set(args.plannedIds);
  const out = createWriteStream(temp);
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  failed.catch(() => {});
  try {
    const { backend } = args;
    for await (const line of await backend.results(args.id, options)) {
      // Normalised by the target (`readResult`); the raw line is what the file keeps.
      const result = backend.readResult(line);
      if (result === undefined || !pending.delete(result.id)) {
        record.unexpected += 1;
        continue;
      }
      count(record, result, backend.usage);
      if (!out.write(`${JSON.stringify(line)}\n`)) {
        await Promise.race([
          new Promise<void>((resolve) => out.once("drain", () => resolve())),
          failed,
        ]);
      }
    }
    out.end();
    await Promise.race([finished(out), failed]);
    await rename(temp, target);
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    throw error;
  }
  record.missing = [...pending];
  record.downloadedAt = new Date().toISOString();
  return record;
}
