/**
 * Amazon Bedrock's prices for Claude (other-batch-systems.md §2.7): batch is 0.5× on-demand input
 * and output [D: BR-BI pricing link; S: STD-PX, Sonnet 4.6 global batch $1.50/$7.50]; there is no
 * batch cache rate — cache read and write rates exist only in the on-demand (`standard`) tier
 * [S: STD-PX], so they are here only for the "on-demand with caching" comparison. Regional
 * routing costs +10% over global (Sonnet 4.6 batch input $1.65 regional vs $1.50 global, STD-PX).
 */
import { freezeRow, type ModelInfo } from "../../pricing/model-table.js";
import { MODEL_TABLE } from "../anthropic/models.js";
import { PRICE_MULTIPLIERS } from "../anthropic/prices.js";
import { BEDROCK_GEOS, MODEL_IDS, MODEL_IDS_CHECKED, type ModelIds } from "../model-ids.js";
import type { PriceMultipliers } from "../target.js";

/** Regional routing (a base model id or a `us.`/`eu.`/`jp.`/`apac.` profile) over global: 1.1 [S: STD-PX]. */
export const BEDROCK_REGIONAL_UPLIFT = 1.1;

/**
 * Multipliers: batch 0.5 on input and output; the cache write/read factors are the on-demand ones
 * (1.25× 5m, 2× 1h, read from the row), used only when pricing on-demand with caching: a batch
 * never carries cache tokens on Bedrock. No `inference_geo` factor (routing is in the model id).
 */
export const PRICE_MULTIPLIERS_BEDROCK: PriceMultipliers = Object.freeze({
  ...PRICE_MULTIPLIERS,
  usGeo: 1,
});

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

function scaled(
  info: ModelInfo,
  factor: number,
): Pick<ModelInfo, "inputPerMTok" | "outputPerMTok" | "tiers"> {
  return {
    inputPerMTok: round(info.inputPerMTok * factor),
    outputPerMTok: round(info.outputPerMTok * factor),
    tiers: info.tiers.map((t) => ({
      ...t,
      inputPerMTok: round(t.inputPerMTok * factor),
      outputPerMTok: round(t.outputPerMTok * factor),
    })),
  };
}

function rowsOf(info: ModelInfo, ids: ModelIds | undefined): ModelInfo[] {
  // Sonnet 4.6 is the model whose Bedrock rates a source shows (STD-PX); the others are assumed
  // to equal Anthropic's list at global routing [U].
  const quoted = info.id === "claude-sonnet-4-6";
  const common = {
    usGeoMultiplierApplies: false,
    priceConfidence: quoted ? ("secondary" as const) : ("unknown" as const),
    checked: MODEL_IDS_CHECKED,
  };
  const basis = quoted
    ? "STD-PX (AWS price-list dimensions): global on-demand $3/$15, batch $1.50/$7.50; cache read/write only in the standard tier"
    : "Anthropic list price assumed for global routing (STD-PX shows Bedrock matches it for Sonnet 4.6; not checked for this model)";
  const global = freezeRow({
    ...info,
    ...common,
    aliases: [...info.aliases, ...(ids ? [`global.${ids.bedrock}`] : [])],
    displayName: `${info.displayName} (Bedrock, global)`,
    sources: [basis, ...(ids ? [`Bedrock id ${ids.bedrock}: ${ids.source}`] : [])],
    notes:
      "Batch inference: no prompt caching (hints ignored, no cache usage, no batch cache rates; other-batch-systems.md §2.6 [S/U]). Cache multipliers here are on-demand ones, for the comparison only.",
  });
  if (ids === undefined) return [global];
  const regional = freezeRow({
    ...info,
    ...common,
    ...scaled(info, BEDROCK_REGIONAL_UPLIFT),
    id: ids.bedrock,
    aliases: BEDROCK_GEOS.filter((g) => g !== "global").map((g) => `${g}.${ids.bedrock}`),
    displayName: `${info.displayName} (Bedrock, regional)`,
    sources: [
      basis,
      `× ${BEDROCK_REGIONAL_UPLIFT} regional routing (STD-PX: Sonnet 4.6 batch input $1.65 regional vs $1.50 global)`,
    ],
    notes: "Regional routing (base id or a geography profile) costs +10% over global (§2.7 [S]).",
  });
  return [global, regional];
}

/**
 * The Bedrock rows: per model, one at the global price keyed by the Anthropic id (aliases: the
 * dated Anthropic ids and the `global.` profile) and one at the regional price keyed by the base
 * Bedrock id (aliases: the `us.`, `eu.`, `jp.`, `apac.` profiles).
 */
export const BEDROCK_MODEL_TABLE: Readonly<Record<string, ModelInfo>> = Object.freeze(
  Object.fromEntries(
    Object.values(MODEL_TABLE)
      .flatMap((info) =>
        rowsOf(
          info,
          MODEL_IDS.find((m) => m.anthropic === info.id),
        ),
      )
      .map((row) => [row.id, row]),
  ),
);
