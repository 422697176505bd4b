/**
 * The model table as the library offers it: the default target's rows (Anthropic, in
 * `src/targets/anthropic/models.ts`), optionally extended or overridden by user rows. The schema
 * and arithmetic are in `model-table.ts`, the checking of user rows in `overrides.ts`.
 */
import { MODEL_TABLE } from "../targets/anthropic/models.js";
import { type ModelInfo, type ModelTable, tableOf } from "./model-table.js";
import { applyOverrides, parseOverrides } from "./overrides.js";

export {
  isKnownModel,
  KNOWN_ALIASES,
  KNOWN_MODELS,
  type KnownAlias,
  type KnownModel,
  MODEL_TABLE,
  type ModelId,
} from "../targets/anthropic/models.js";
export {
  type Confidence,
  type ModelInfo,
  type ModelTable,
  type PriceTier,
  type RequestRates,
  ratesForRequest,
  type TokenizerFamily,
} from "./model-table.js";
export { REQUIRED_NEW_MODEL_FIELDS } from "./overrides.js";

/** The default target's built-in rows (Anthropic), as a table. */
const builtIn: ModelTable = tableOf(Object.values(MODEL_TABLE));

/**
 * The built-in table, optionally extended or overridden by user rows. A partial row merges onto
 * the model its key resolves to (a canonical id or an alias); a row for a new model must give at
 * least `inputPerMTok`, `outputPerMTok` and `minCacheableTokens`, and gets conservative defaults
 * for the rest (read 0.1x, `claude-2026` tokenizer, US-geo 1.1x applies, confidence `"unknown"`).
 * Overriding fields on an existing model keeps its confidence unless the row sets it, and adds a
 * `"user override: …"` entry to `sources` unless the row gives `sources`.
 *
 * @param base The rows to start from: the built-in Anthropic rows unless a target's table is given.
 * @throws {OptionsError} When a row is malformed, a new model misses a required field, or two rows
 * claim the same id or alias; the message names the model and the field.
 *
 * @example
 * ```ts
 * const table = createModelTable({ "my-proxy-model": { inputPerMTok: 1, outputPerMTok: 5, minCacheableTokens: 2048 } });
 * table.get("my-proxy-model")?.readMultiplier; // 0.1
 * ```
 */
export function createModelTable(
  overrides?: Readonly<Record<string, Partial<ModelInfo>>>,
  base: ModelTable = builtIn,
): ModelTable {
  return overrides === undefined ? base : tableOf(applyOverrides(base, overrides));
}

/** The built-in table with no overrides. */
export const defaultModelTable: ModelTable = builtIn;

const tables = new WeakMap<object, ModelTable>([[MODEL_TABLE, builtIn]]);

/** The built-in table of a target: its own rows (the default table for Anthropic). */
export function modelTableOf(target: { models: Readonly<Record<string, ModelInfo>> }): ModelTable {
  let table = tables.get(target.models);
  if (table === undefined) {
    table = tableOf(Object.values(target.models));
    tables.set(target.models, table);
  }
  return table;
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
export function parseModelOverrides(
  json: unknown,
  base: ModelTable = builtIn,
): { ok: true; value: Record<string, Partial<ModelInfo>> } | { ok: false; error: string } {
  return parseOverrides(json, base);
}
