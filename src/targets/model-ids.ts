/**
 * One dated table of model ids across the three ways of buying Claude batches: the Anthropic API
 * id, the Vertex AI id and the Amazon Bedrock base id (plus its inference profiles `global.`,
 * `us.`, `eu.`, `jp.`, `apac.`). Every target reads its ids from here.
 *
 * Source MIDV: https://platform.claude.com/docs/en/about-claude/models/model-ids-and-versions
 * (read 2026-12-01): "Starting with the Claude 4.6 generation, model IDs use a dateless format
 * claude-{name}-{major}-{minor}"; on Bedrock "anthropic.claude-{name}-{major}-{minor}"; "Claude
 * Opus 4.6 is the last Bedrock model ID to include the -v1 suffix"; "On Google Cloud Vertex AI,
 * the format matches the Claude API". Before 4.6: Bedrock
 * "anthropic.claude-{name}-{major}-{minor}-{YYYYMMDD}-v1:0", Vertex "claude-{name}-{major}-{minor}@{YYYYMMDD}".
 * Source BR-LEG: https://platform.claude.com/docs/en/build-with-claude/claude-on-amazon-bedrock-legacy
 * (base Bedrock ids and which inference-profile geographies serve them: global/us/eu/jp/apac).
 */
import { KNOWN_ALIASES, KNOWN_MODELS } from "./anthropic/models.js";

/** The date the table was last checked against its sources. */
export const MODEL_IDS_CHECKED = "2026-12-01";

/** Inference-profile geographies of Bedrock (BR-LEG table columns). */
export const BEDROCK_GEOS = ["global", "us", "eu", "jp", "apac"] as const;

/** One Bedrock inference-profile geography. */
export type BedrockGeo = (typeof BEDROCK_GEOS)[number];

/** How sure the row is: `"listed"` when a source lists the id, `"scheme"` when derived from MIDV's naming rule. */
export type IdConfidence = "listed" | "scheme";

/** One model's ids. */
export interface ModelIds {
  /** Anthropic API id (canonical row id of the Anthropic target). */
  anthropic: string;
  /** Vertex AI publisher model id. */
  vertex: string;
  /** Bedrock base (foundation-model) id. */
  bedrock: string;
  /** Inference-profile geographies a source lists for it; `undefined` when none was found. */
  bedrockGeos: readonly BedrockGeo[] | undefined;
  /** Whether the ids are listed by a source or derived from the naming scheme (uncertain). */
  confidence: IdConfidence;
  /** Source key. */
  source: string;
}

/** Dated ids before the 4.6 generation (MIDV), keyed by the Anthropic canonical id. */
const DATED: Readonly<Record<string, string>> = Object.freeze({
  "claude-haiku-4-5": "20251001",
  "claude-opus-4-5": "20251101",
  "claude-sonnet-4-5": "20250929",
});

/** Ids listed by BR-LEG / the models overview, with their geographies (BR-LEG table). */
const LISTED: Readonly<Record<string, { bedrock: string; geos: readonly BedrockGeo[] }>> =
  Object.freeze({
    "claude-opus-4-6": {
      bedrock: "anthropic.claude-opus-4-6-v1",
      geos: ["global", "us", "eu", "jp", "apac"],
    },
    "claude-sonnet-4-6": {
      bedrock: "anthropic.claude-sonnet-4-6",
      geos: ["global", "us", "eu", "jp"],
    },
    "claude-sonnet-4-5": {
      bedrock: "anthropic.claude-sonnet-4-5-20250929-v1:0",
      geos: ["global", "us", "eu", "jp"],
    },
    "claude-opus-4-5": {
      bedrock: "anthropic.claude-opus-4-5-20251101-v1:0",
      geos: ["global", "us", "eu"],
    },
    // Models overview (legacy-model-guide): Haiku 4.5 Bedrock id; geographies not in the excerpt read.
    "claude-haiku-4-5": { bedrock: "anthropic.claude-haiku-4-5-20251001-v1:0", geos: [] },
  });

function idsOf(model: string): ModelIds {
  const date = DATED[model];
  const listed = LISTED[model];
  return Object.freeze({
    anthropic: model,
    vertex: date ? `${model}@${date}` : model,
    bedrock: listed?.bedrock ?? (date ? `anthropic.${model}-${date}-v1:0` : `anthropic.${model}`),
    bedrockGeos: listed && listed.geos.length > 0 ? Object.freeze([...listed.geos]) : undefined,
    confidence: listed ? "listed" : "scheme",
    source: listed
      ? "MIDV; BR-LEG (2026-12-01)"
      : "MIDV naming scheme (2026-12-01); no source seen listing this model on the cloud",
  });
}

/** Every known model's ids, in the Anthropic table's order. */
export const MODEL_IDS: readonly ModelIds[] = Object.freeze(KNOWN_MODELS.map(idsOf));

const byAnyId = new Map<string, ModelIds>();
for (const ids of MODEL_IDS) {
  byAnyId.set(ids.anthropic, ids);
  byAnyId.set(ids.vertex, ids);
  byAnyId.set(ids.bedrock, ids);
  for (const geo of BEDROCK_GEOS) byAnyId.set(`${geo}.${ids.bedrock}`, ids);
}
for (const alias of KNOWN_ALIASES) {
  const canonical = KNOWN_MODELS.find((m) => alias.startsWith(`${m}-`));
  if (canonical) byAnyId.set(alias, byAnyId.get(canonical)!);
}

/**
 * The ids of a model named by any of its ids: Anthropic (canonical or dated alias), Vertex,
 * Bedrock base id or inference profile (`global.anthropic.…`); `undefined` when unknown.
 */
export function modelIdsOf(model: string): ModelIds | undefined {
  return byAnyId.get(model);
}

/** The geography prefix of a Bedrock inference-profile id, or `undefined` for a base id. */
export function bedrockGeoOf(model: string): BedrockGeo | undefined {
  const prefix = model.split(".", 1)[0];
  return (BEDROCK_GEOS as readonly string[]).includes(prefix ?? "") && model.includes(".anthropic.")
    ? (prefix as BedrockGeo)
    : undefined;
}

/**
 * The model id a Vertex batch job names (`publishers/anthropic/models/{MODEL}`): the Vertex id of
 * a known model, or the id as given (a Vertex id the table does not know yet).
 */
export function vertexJobModel(model: string): string {
  return modelIdsOf(model)?.vertex ?? model;
}

/**
 * The model id a Bedrock job names (`CreateModelInvocationJob.modelId`). An inference profile or
 * base id given by the user is kept; an Anthropic or Vertex id becomes the `global.` profile
 * (the cheaper routing, other-batch-systems.md §2.7) when the source lists it, else the base id.
 * Whether batch inference accepts every inference profile is not documented (uncertain).
 */
export function bedrockJobModel(model: string): string {
  const ids = modelIdsOf(model);
  if (ids === undefined || model === ids.bedrock || bedrockGeoOf(model) !== undefined) return model;
  return ids.bedrockGeos?.includes("global") ? `global.${ids.bedrock}` : ids.bedrock;
}

/** Every id of a model that is not its Anthropic canonical id (for a target's aliases). */
export function otherIdsOf(ids: ModelIds, target: "vertex" | "bedrock"): string[] {
  if (target === "vertex") return ids.vertex === ids.anthropic ? [] : [ids.vertex];
  return [ids.bedrock, ...BEDROCK_GEOS.map((geo) => `${geo}.${ids.bedrock}`)];
}
