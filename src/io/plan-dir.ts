import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import { InputError } from "../errors.js";
import type { BatchRequest, Plan } from "../types.js";
import { readJsonl } from "./jsonl.js";

/** `plan.json` as written to disk: the plan without request bodies, which live in batch files. */
export interface PlanFile extends Omit<Plan, "batches"> {
  batches: Array<{
    index: number;
    file: string;
    wave: number;
    requestCount: number;
    bytes: number;
  }>;
}

/** Name of a batch file inside a plan folder. */
export function batchFileName(index: number, wave: number): string {
  return `batches/wave-${wave}-batch-${String(index).padStart(4, "0")}.jsonl`;
}

/** The `plan.json` content for a plan (batch bodies referenced by file). */
export function toPlanFile(plan: Plan): PlanFile {
  return {
    ...plan,
    batches: plan.batches.map((b) => ({
      index: b.index,
      file: batchFileName(b.index, b.wave),
      wave: b.wave,
      requestCount: b.requestCount,
      bytes: b.bytes,
    })),
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a plan folder: `plan.json` and one JSONL file per batch (each line `{"custom_id",
 * "params"}`, ready for `batches.create()`). Everything is written to a staging folder beside `dir`
 * and renamed into place at the end, so an interrupted write never leaves a folder that looks
 * complete. An existing plan folder is replaced only with `overwrite`.
 */
export async function writePlan(
  plan: Plan,
  dir: string,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  const target = path.resolve(dir);
  if ((await exists(path.join(target, "plan.json"))) && !options.overwrite) {
    throw new InputError(
      `\`${dir}\` already holds a plan; pass \`--force\` (\`overwrite: true\`) to replace it, or choose another \`--out\`.`,
      dir,
    );
  }
  // A submitted plan's folder holds its run state and results: replacing it would make the next
  // `submit` create every batch again, so it is never overwritten.
  if (await exists(path.join(target, "run.json"))) {
    throw new InputError(
      `\`${dir}\` holds a plan that was submitted (\`run.json\`); it is not replaced, even with \`--force\`, so no batch is created twice. Write the new plan to another \`--out\` folder.`,
      dir,
    );
  }
  const staging = `${target}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(path.join(staging, "batches"), { recursive: true });
  try {
    for (const batch of plan.batches) {
      const out = createWriteStream(path.join(staging, batchFileName(batch.index, batch.wave)));
      for (const request of batch.requests) {
        if (!out.write(`${JSON.stringify(request)}\n`))
          await new Promise<void>((r) => out.once("drain", () => r()));
      }
      out.end();
      await finished(out);
    }
    await writeFile(
      path.join(staging, "plan.json"),
      `${JSON.stringify(toPlanFile(plan), null, 2)}\n`,
    );
    if (await exists(target)) {
      const old = `${target}.old-${process.pid}`;
      await rename(target, old);
      await rename(staging, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(staging, target);
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Reads `plan.json` from a plan folder. */
export async function readPlanFile(dir: string): Promise<PlanFile> {
  const file = path.join(dir, "plan.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError(
      `No plan in \`${dir}\`: cannot read \`plan.json\`. Create one with \`cacheplan plan requests.jsonl --out ${dir}\`.`,
      dir,
      { cause: error },
    );
  }
  const parsed = JSON.parse(text) as PlanFile;
  if (parsed.version !== 1) {
    throw new InputError(
      `\`${file}\` has plan version ${String(parsed.version)}; this cacheplan reads version 1.`,
      file,
    );
  }
  return parsed;
}

/**
 * Reads a whole plan folder back into a `Plan`: `plan.json` and every batch file, each line a
 * request. A batch file whose line count differs from `plan.json`'s is an error, so a damaged
 * folder is never taken for a complete plan.
 */
export async function readPlan(dir: string): Promise<Plan> {
  const file = await readPlanFile(dir);
  const batches: Plan["batches"] = [];
  for (const batch of file.batches) {
    const requests: BatchRequest[] = [];
    for await (const line of readJsonl(path.join(dir, batch.file), {
      source: batch.file,
      intern: true,
    })) {
      if (line.parseError !== undefined) {
        throw new InputError(
          `\`${path.join(dir, batch.file)}\` line ${line.line} is not valid JSON: ${line.parseError}. Write the plan again with \`cacheplan plan --out\`.`,
          batch.file,
        );
      }
      requests.push(line.value as BatchRequest);
    }
    if (requests.length !== batch.requestCount) {
      throw new InputError(
        `\`${path.join(dir, batch.file)}\` holds ${requests.length} requests but \`plan.json\` says ${batch.requestCount}. Write the plan again with \`cacheplan plan --out\`.`,
        batch.file,
      );
    }
    batches.push({
      index: batch.index,
      wave: batch.wave,
      requests,
      requestCount: batch.requestCount,
      bytes: batch.bytes,
    });
  }
  return { ...file, batches };
}
