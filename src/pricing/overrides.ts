/**
 * User rows for the model table: checking them field by field (`--models file.json`, or rows
 * passed to `createModelTable()`), and merging them onto the rows of a target. A bad row is an
 * `OptionsError` (or a `{ ok: false }` result from `parseModelOverrides`) naming the model, the
 * field and what is expected.
 */
import { OptionsError } from "../errors.js";
import { DEFAULT_READ_MULTIPLIER } from "../targets/anthropic/prices.js";
import { isObject } from "../util/json.js";
import type { Confidence, ModelInfo, ModelTable, TokenizerFamily } from "./model-table.js";
import { UNKNOWN_MODEL_TOKENIZER } from "./unknown-model.js";

/** Fields a user row must give when it adds a model that is not in the table. */
export const REQUIRED_NEW_MODEL_FIELDS = [
  "inputPerMTok",
  "outputPerMTok",
  "minCacheableTokens",
] as const satisfies readonly (keyof ModelInfo)[];

const CONFIDENCES: readonly Confidence[] = ["official", "secondary", "third-party", "unknown"];
const TOKENIZERS: readonly TokenizerFamily[] = ["claude-legacy", "claude-2026", "o200k"];
const TIER_FIELDS = ["aboveInputTokens", "inputPerMTok", "outputPerMTok", "source"] as const;

const describeValue = (value: unknown): string => {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `a value of type ${typeof value}`;
};

const isNonNegativeNumber = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value) && value >= 0;

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

type FieldCheck = (value: unknown) => string | undefined;

const price: FieldCheck = (value) =>
  isNonNegativeNumber(value) ? undefined : "a finite number >= 0 (USD per million tokens)";

/** One check per `ModelInfo` field; a check returns what was expected, or `undefined` if valid. */
const FIELD_CHECKS: Record<keyof ModelInfo, FieldCheck> = {
  id: (v) => (typeof v === "string" && v !== "" ? undefined : "a non-empty string"),
  aliases: (v) =>
    isStringArray(v) && v.every((a) => a !== "") ? undefined : "an array of non-empty strings",
  displayName: (v) => (typeof v === "string" ? undefined : "a string"),
  inputPerMTok: price,
  outputPerMTok: price,
  readMultiplier: (v) =>
    isNonNegativeNumber(v) && v <= 1
      ? undefined
      : "a number between 0 and 1 (a multiple of base input, e.g. 0.1)",
  minCacheableTokens: (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= 1
      ? undefined
      : "a positive integer (tokens)",
  minCacheableKnown: (v) => (typeof v === "boolean" ? undefined : "a boolean"),
  tokenizer: (v) =>
    TOKENIZERS.includes(v as TokenizerFamily)
      ? undefined
      : `one of ${TOKENIZERS.map((t) => JSON.stringify(t)).join(", ")}`,
  usGeoMultiplierApplies: (v) => (typeof v === "boolean" ? undefined : "a boolean"),
  tiers: (v) => {
    const expected = `an array of {${TIER_FIELDS.join(", ")}} with numbers >= 0 and a string source`;
    if (!Array.isArray(v)) return expected;
    for (const tier of v) {
      if (
        !isObject(tier) ||
        !isNonNegativeNumber(tier.aboveInputTokens) ||
        !isNonNegativeNumber(tier.inputPerMTok) ||
        !isNonNegativeNumber(tier.outputPerMTok) ||
        typeof tier.source !== "string" ||
        Object.keys(tier).some((key) => !(TIER_FIELDS as readonly string[]).includes(key))
      ) {
        return expected;
      }
    }
    return undefined;
  },
  priceConfidence: (v) =>
    CONFIDENCES.includes(v as Confidence)
      ? undefined
      : `one of ${CONFIDENCES.map((c) => JSON.stringify(c)).join(", ")}`,
  minimumConfidence: (v) =>
    CONFIDENCES.includes(v as Confidence)
      ? undefined
      : `one of ${CONFIDENCES.map((c) => JSON.stringify(c)).join(", ")}`,
  sources: (v) => (isStringArray(v) ? undefined : "an array of strings"),
  checked: (v) =>
    typeof v === "string" && (v === "" || /^\d{4}-\d{2}-\d{2}$/.test(v))
      ? undefined
      : 'an ISO date string "YYYY-MM-DD"',
  notes: (v) => (typeof v === "string" ? undefined : "a string"),
};

const FIELD_NAMES = Object.keys(FIELD_CHECKS) as (keyof ModelInfo)[];

/**
 * Checks one override row. Returns an error message naming the model and the field, or
 * `undefined` when the row is valid. `existing` is the row it merges onto, if the model is known.
 * A field whose value is `undefined` counts as absent.
 */
function checkOverrideRow(
  key: string,
  row: unknown,
  existing: ModelInfo | undefined,
): string | undefined {
  const where = `Model override ${JSON.stringify(key)}`;
  if (key === "") return "Model override keys must be non-empty model ids.";
  if (!isObject(row)) {
    return `${where} must be an object of \`ModelInfo\` fields; got ${describeValue(row)}.`;
  }
  for (const [field, value] of Object.entries(row)) {
    if (!Object.hasOwn(FIELD_CHECKS, field)) {
      return `${where}: unknown field \`${field}\`. Expected one of: ${FIELD_NAMES.join(", ")}.`;
    }
    if (value === undefined) continue;
    const expected = FIELD_CHECKS[field as keyof ModelInfo](value);
    if (expected !== undefined) {
      return `${where}: \`${field}\` must be ${expected}; got ${describeValue(value)}.`;
    }
  }
  if (row.id !== undefined && row.id !== key && row.id !== existing?.id) {
    return `${where}: \`id\` must equal the key (or the canonical id it resolves to); got ${describeValue(row.id)}.`;
  }
  if (existing === undefined) {
    const missing = REQUIRED_NEW_MODEL_FIELDS.filter((field) => row[field] === undefined);
    if (missing.length > 0) {
      const required = REQUIRED_NEW_MODEL_FIELDS.map((field) => `\`${field}\``).join(", ");
      return `${where} adds a model that is not in the table, so it must give ${required}; missing ${missing.map((field) => `\`${field}\``).join(", ")}.`;
    }
  }
  return undefined;
}

/** Builds a row for a model the table does not know, filling the optional fields with defaults. */
function newRow(key: string, row: Partial<ModelInfo>): ModelInfo {
  const info: ModelInfo = {
    id: key,
    aliases: [],
    displayName: key,
    // Checked by checkOverrideRow before this is called.
    inputPerMTok: row.inputPerMTok as number,
    outputPerMTok: row.outputPerMTok as number,
    readMultiplier: DEFAULT_READ_MULTIPLIER,
    minCacheableTokens: row.minCacheableTokens as number,
    minCacheableKnown: true,
    // Unknown new models are most likely recent, and the newer tokenizer counts more tokens.
    tokenizer: UNKNOWN_MODEL_TOKENIZER,
    // Assume the 1.1x applies so US-geo estimates err high rather than low.
    usGeoMultiplierApplies: true,
    tiers: [],
    priceConfidence: "unknown",
    minimumConfidence: "unknown",
    sources: ["user override"],
    checked: "",
  };
  return { ...info, ...withoutUndefined(row), id: key };
}

function withoutUndefined(row: Partial<ModelInfo>): Partial<ModelInfo> {
  return Object.fromEntries(
    Object.entries(row).filter(([, value]) => value !== undefined),
  ) as Partial<ModelInfo>;
}

function mergeRow(base: ModelInfo, row: Partial<ModelInfo>): ModelInfo {
  const defined = withoutUndefined(row);
  const fields = Object.keys(defined);
  const merged: ModelInfo = { ...base, ...defined, id: base.id };
  if (defined.sources === undefined && fields.length > 0) {
    merged.sources = [...base.sources, `user override: ${fields.join(", ")}`];
  }
  return merged;
}

/**
 * `base` with `overrides` applied: a partial row merges onto the row its key resolves to (a
 * canonical id or an alias); a row for a new model is completed with defaults. Returns the rows
 * in order (base rows first, then added ones).
 *
 * @throws {OptionsError} When a row is malformed or a new model misses a required field.
 */
export function applyOverrides(
  base: ModelTable,
  overrides: Readonly<Record<string, Partial<ModelInfo>>>,
): ModelInfo[] {
  const byId = new Map<string, ModelInfo>(base.ids().map((id) => [id, base.get(id) as ModelInfo]));
  const aliasOwner = (alias: string): ModelInfo | undefined => {
    let owner: ModelInfo | undefined;
    for (const info of byId.values()) if (info.aliases.includes(alias)) owner = info;
    return owner;
  };
  for (const [key, row] of Object.entries(overrides)) {
    const existing = byId.get(key) ?? aliasOwner(key);
    const error = checkOverrideRow(key, row, existing);
    if (error !== undefined) throw new OptionsError(error);
    const info = existing === undefined ? newRow(key, row) : mergeRow(existing, row);
    byId.set(info.id, info);
  }
  return [...byId.values()];
}

/**
 * Parses the content of a user JSON override file: an object keyed by model id (or alias) whose
 * values are partial {@link ModelInfo} rows. Checks every field's type and range, rejects unknown
 * fields (typos such as `inputPerMtok`), and requires `inputPerMTok`, `outputPerMTok` and
 * `minCacheableTokens` for a model the built-in table does not know.
 *
 * @returns `{ ok: true, value }` with fresh copies of the rows, or `{ ok: false, error }` with a
 * message naming the key and the field that is wrong and what is expected.
 */
export function parseOverrides(
  json: unknown,
  base: ModelTable,
): { ok: true; value: Record<string, Partial<ModelInfo>> } | { ok: false; error: string } {
  if (!isObject(json)) {
    return {
      ok: false,
      error: `Model overrides must be a JSON object keyed by model id, e.g. {"claude-opus-4-6": {"inputPerMTok": 5}}; got ${describeValue(json)}.`,
    };
  }
  const value: Record<string, Partial<ModelInfo>> = {};
  for (const [key, row] of Object.entries(json)) {
    const error = checkOverrideRow(key, row, base.get(key));
    if (error !== undefined) return { ok: false, error };
    const copy = structuredClone(row) as Partial<ModelInfo>;
    // defineProperty, so a key such as "__proto__" stays an own key instead of a prototype.
    Object.defineProperty(value, key, {
      value: copy,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { ok: true, value };
}
