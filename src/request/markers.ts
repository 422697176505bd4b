import type { BatchRequest, CacheTtl } from "../types.js";
import type { Json } from "../util/json.js";
import {
  LocationMap,
  rewriteSegments,
  type SegmentLocation,
  segmentLabel,
  stripMarker,
} from "./segments.js";

/** A marker to put on one segment. */
export interface MarkerPlacement {
  location: SegmentLocation;
  ttl: CacheTtl;
}

/**
 * The `cache_control` value for a TTL. A 5m marker is written without `ttl`, the API default
 * (SDK-M 2132-2147: "Defaults to `5m`"), so it is byte-identical to the most common hand-written
 * form.
 */
export function cacheControl(ttl: CacheTtl): { type: "ephemeral"; ttl?: "1h" } {
  return ttl === "1h" ? { type: "ephemeral", ttl: "1h" } : { type: "ephemeral" };
}

/**
 * Returns a copy of `request` with markers added (and, when `removeExisting`, every existing
 * `cache_control` removed: the top-level one, and any on a message itself, included). Nothing
 * else changes, except that a string `system` or message `content` that gets a marker becomes the
 * equivalent one-block array, the only form that can carry `cache_control`. The input is never
 * mutated.
 */
export function applyMarkers(
  request: BatchRequest,
  placements: readonly MarkerPlacement[],
  removeExisting: boolean,
): BatchRequest {
  if (placements.length === 0 && !removeExisting) return request;
  const ttls = new LocationMap<CacheTtl>();
  for (const { location, ttl } of placements) ttls.set(location, ttl);
  const params = rewriteSegments(paramsOf(request), (segment) => {
    const block = removeExisting ? segment.block : segment.raw;
    const ttl = ttls.get(segment.location);
    return ttl === undefined ? block : { ...block, cache_control: cacheControl(ttl) };
  });
  return withParams(request, removeExisting ? withoutOuterMarkers(params) : params);
}

/**
 * The request without the markers at `labels` (segment labels as `segmentRequest()` gives them:
 * the planner's breakpoints in a plan), every other marker kept. A string `system` or `content`
 * the planner turned into one block to mark it (its label has no index) becomes a string again.
 */
export function removeMarkers(request: BatchRequest, labels: readonly string[]): BatchRequest {
  if (labels.length === 0) return request;
  const wanted = new Set(labels);
  const params = rewriteSegments(paramsOf(request), ({ location, raw, block }) => {
    if (wanted.has(segmentLabel(location))) return block;
    if (!("cache_control" in raw)) return undefined;
    const wasString = location.kind !== "tool" && wanted.has(shorthandLabel(location));
    if (!wasString) return undefined;
    const plain = Object.keys(block).sort().join() === "text,type";
    return plain ? String(block.text) : block;
  });
  return withParams(request, params);
}

/**
 * The label the block at `location` had when it was a string the planner turned into one block:
 * a string `system`, message `content` or `tool_result` `content` (its first block only).
 */
function shorthandLabel(location: Exclude<SegmentLocation, { kind: "tool" }>): string {
  if (location.kind === "message" && location.part !== undefined) {
    return location.part.index === 0
      ? segmentLabel({ ...location, part: { index: 0, shorthand: true } })
      : "";
  }
  return location.index === 0 ? segmentLabel({ ...location, shorthand: true }) : "";
}

/**
 * `params` without its top-level `cache_control` and without any on a message itself. A
 * message-level one is not a field of the API (`validateRequest` rejects it when markers are
 * kept); when markers are removed it goes like every other.
 */
function withoutOuterMarkers(params: Json): Json {
  const { cache_control: _top, ...out } = params;
  if (Array.isArray(out.messages)) out.messages = out.messages.map(stripMarker);
  return out;
}

function paramsOf(request: BatchRequest): Json {
  return request.params as unknown as Json;
}

function withParams(request: BatchRequest, params: Json): BatchRequest {
  return { ...request, params: params as unknown as BatchRequest["params"] };
}
