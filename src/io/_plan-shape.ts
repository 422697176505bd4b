/**
 * Reading `plan.json` safely (internal): a broken file is named with its line and column, and a
 * file of the wrong shape is named with the first field that is wrong, instead of a crash later.
 * Only what cacheplan reads is checked; extra fields are allowed.
 */
import { InputError } from "../errors.js";
import { isObject } from "../util/json.js";
import { jsonErrorOffset, lineColumn } from "./_json-position.js";
import type { PlanFile } from "./plan-dir.js";

const WHAT_TO_DO =
  "Restore it (cacheplan writes it whole, so it was edited or damaged afterwards), or write the plan again with `cacheplan plan --out` into a new folder.";

/** Parses `plan.json`'s text; an `InputError` with the line and column when it is not JSON. */
export function parsePlanJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const offset = jsonErrorOffset(text);
    const at = offset < 0 ? offset : Math.min(offset, text.length);
    const where =
      at < 0
        ? ""
        : at >= text.length
          ? `: it ends early (line ${lineColumn(text, at).line}), as if cut short`
          : `: the error is at line ${lineColumn(text, at).line}, column ${lineColumn(text, at).column}`;
    throw new InputError(`\`${file}\` is not valid JSON${where}. ${WHAT_TO_DO}`, file, {
      cause: error,
    });
  }
}

const isCount = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isHash = (v: unknown) =>
  v === undefined || (typeof v === "string" && /^sha256:[0-9a-f]{64}$/.test(v));

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** The first field of a parsed `plan.json` that is not what cacheplan reads, as `[path, want]`. */
function firstWrong(p: Record<string, unknown>): [string, string, unknown] | undefined {
  if (!isObject(p.options)) return ["options", "an object", p.options];
  if (!isObject(p.summary)) return ["summary", "an object", p.summary];
  for (const key of ["planned", "waves", "batches"])
    if (!isCount(p.summary[key])) return [`summary.${key}`, "a whole number ≥ 0", p.summary[key]];
  for (const key of ["groups", "warnings", "rejected", "batches"])
    if (!Array.isArray(p[key])) return [key, "a list", p[key]];
  for (const [i, g] of (p.groups as unknown[]).entries()) {
    if (!isObject(g)) return [`groups[${i}]`, "an object", g];
    if (!Array.isArray(g.customIds) || !g.customIds.every((id) => typeof id === "string"))
      return [`groups[${i}].customIds`, "a list of strings", g.customIds];
  }
  for (const [i, b] of (p.batches as unknown[]).entries()) {
    if (!isObject(b)) return [`batches[${i}]`, "an object", b];
    if (b.index !== i) return [`batches[${i}].index`, `${i}`, b.index];
    if (typeof b.file !== "string") return [`batches[${i}].file`, "a file name", b.file];
    for (const key of ["wave", "requestCount", "bytes"])
      if (!isCount(b[key])) return [`batches[${i}].${key}`, "a whole number ≥ 0", b[key]];
    for (const key of ["contentHash", "customIdsHash"])
      if (!isHash(b[key])) return [`batches[${i}].${key}`, "`sha256:` and 64 hex digits", b[key]];
  }
  return undefined;
}

/** Checks the shape of a parsed `plan.json`; an `InputError` naming the first wrong field. */
export function checkPlanShape(parsed: unknown, file: string): PlanFile {
  if (!isObject(parsed))
    throw new InputError(
      `\`${file}\` is not a cacheplan plan: it holds ${typeOf(parsed)}, not an object. ${WHAT_TO_DO}`,
      file,
    );
  if (parsed.version !== 1) {
    throw new InputError(
      `\`${file}\` has plan version ${String(parsed.version)}; this cacheplan reads version 1.`,
      file,
    );
  }
  const wrong = firstWrong(parsed);
  if (wrong) {
    const [field, want, got] = wrong;
    throw new InputError(
      `\`${file}\` is not a cacheplan plan: \`${field}\` should be ${want} but is ${got === undefined ? "missing" : typeOf(got)}. ${WHAT_TO_DO}`,
      file,
    );
  }
  return parsed as unknown as PlanFile;
}
