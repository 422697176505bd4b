/**
 * Vertex AI's prices for Claude: its own rows (list rates × the regional uplift) and the stacked
 * multipliers, which are Anthropic's: batch 0.5 × {5m write 1.25, 1h write 2, hit 0.1} of list
 * input, i.e. batch write 0.625× / 1.0× and batch hit 0.05× (other-batch-systems.md §3.6, VX-PX
 * [S]: Opus 4.6 input $5, batch input $2.50, 5m batch write $3.125, 1h batch write $5.00, batch
 * hit $0.25).
 */
import { freezeRow, type ModelInfo } from "../../pricing/model-table.js";
import { MODEL_TABLE } from "../anthropic/models.js";
import { PRICE_MULTIPLIERS } from "../anthropic/prices.js";
import { MODEL_IDS, MODEL_IDS_CHECKED, otherIdsOf } from "../model-ids.js";
import type { PriceMultipliers } from "../target.js";

/**
 * Regional endpoint uplift over the global list price: 1.1 [U]. A bot quoting the Vertex pricing
 * page (NB-7154, 2026-08) gave Opus 5 at $5.50/$27.50 against Anthropic's $5/$25, "likely
 * regional endpoints" (§3.7); Bedrock states the same +10% for regional routing (§2.7, STD-PX).
 * Claude batch jobs need a regional location (RLLM-VB refuses `global` for Anthropic batches,
 * §3.2 [S]), so the rows carry the regional price.
 */
export const VERTEX_REGIONAL_UPLIFT = 1.1;

/** The stacked multipliers: as Anthropic's (VX-PX [S]); no `inference_geo` factor on Vertex. */
export const PRICE_MULTIPLIERS_VERTEX: PriceMultipliers = Object.freeze({
  ...PRICE_MULTIPLIERS,
  usGeo: 1,
});

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

/** A Vertex row from the Anthropic row: same cache facts, regional prices, Vertex id as alias. */
function vertexRow(info: ModelInfo): ModelInfo {
  const ids = MODEL_IDS.find((m) => m.anthropic === info.id);
  const vertexIds = ids ? otherIdsOf(ids, "vertex") : [];
  // Opus 4.6 is the one model whose Vertex rates a source quotes (VX-PX); the others are
  // Anthropic's list, which VX-PX shows Vertex matches at the global endpoint [U for each model].
  const quoted = info.id === "claude-opus-4-6";
  return freezeRow({
    ...info,
    aliases: [...info.aliases, ...vertexIds],
    displayName: `${info.displayName} (Vertex AI, regional)`,
    inputPerMTok: round(info.inputPerMTok * VERTEX_REGIONAL_UPLIFT),
    outputPerMTok: round(info.outputPerMTok * VERTEX_REGIONAL_UPLIFT),
    tiers: info.tiers.map((t) => ({
      ...t,
      inputPerMTok: round(t.inputPerMTok * VERTEX_REGIONAL_UPLIFT),
      outputPerMTok: round(t.outputPerMTok * VERTEX_REGIONAL_UPLIFT),
      source: `${t.source}; × ${VERTEX_REGIONAL_UPLIFT} regional [U]`,
    })),
    usGeoMultiplierApplies: false,
    priceConfidence: info.priceConfidence === "official" && quoted ? "secondary" : "unknown",
    sources: [
      quoted
        ? "VX-PX (agentgateway #1121, 2026-03-04, quoting the Vertex pricing page): $5/$25 global, batch $2.50, batch writes $3.125/$5.00, batch hit $0.25"
        : "Anthropic list price (VX-PX shows Vertex's global rate equals it for Opus 4.6; not checked for this model)",
      `× ${VERTEX_REGIONAL_UPLIFT} regional uplift [U: NB-7154, 2026-08-11]`,
      ...(ids ? [`Vertex id ${ids.vertex}: ${ids.source}`] : []),
      ...info.sources.map((s) => `Anthropic row: ${s}`),
    ],
    checked: MODEL_IDS_CHECKED,
    notes: `Regional Vertex price (batch jobs need a regional location, §3.2 [S]); the global endpoint is ${VERTEX_REGIONAL_UPLIFT}× lower. Cache minimums as Anthropic's ("on every platform … Google Cloud", reference §2).${info.notes ? ` ${info.notes}` : ""}`,
  });
}

/** The Vertex rows, keyed by Anthropic canonical id (the Vertex id is an alias). */
export const VERTEX_MODEL_TABLE: Readonly<Record<string, ModelInfo>> = Object.freeze(
  Object.fromEntries(Object.entries(MODEL_TABLE).map(([id, info]) => [id, vertexRow(info)])),
);
