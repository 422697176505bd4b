import type { BatchRequest, CacheTtl } from "../types.js";
import { type SegmentLocation, stripMarker } from "./segments.js";

/** A marker to put on one segment. */
export interface MarkerPlacement {
  location: SegmentLocation;
  ttl: CacheTtl;
}

type Json = Record<string, unknown>;

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
 * `cache_control` removed: the top-level one, and any on a message itself, included). Nothing else changes, except that a string
 * `system` or message `content` that gets a marker becomes the equivalent one-block array, the only
 * form that can carry `cache_control`. The input is never mutated.
 */
export function applyMarkers(
  request: BatchRequest,
  placements: readonly MarkerPlacement[],
  removeExisting: boolean,
): BatchRequest {
  if (placements.length === 0 && !removeExisting) return request;
  const params = { ...(request.params as unknown as Json) };
  if (removeExisting) delete params.cache_control;
  if (Array.isArray(params.tools)) {
    params.tools = removeExisting ? params.tools.map(stripMarker) : [...params.tools];
  }
  if (Array.isArray(params.system)) {
    params.system = removeExisting ? params.system.map(stripMarker) : [...params.system];
  }
  const messages = (params.messages as unknown[]).map((m) => {
    // A message-level `cache_control` is not a field of the API (`validateRequest` rejects it
    // when markers are kept); with `removeExisting` it goes like every other marker.
    const message = { ...(removeExisting ? stripMarker(m as Json) : (m as Json)) };
    if (Array.isArray(message.content)) {
      message.content = removeExisting ? message.content.map(stripMarker) : [...message.content];
    }
    return message;
  });
  params.messages = messages;

  for (const { location, ttl } of placements) {
    const marker = cacheControl(ttl);
    switch (location.kind) {
      case "tool": {
        const tools = params.tools as Json[];
        tools[location.index] = { ...tools[location.index], cache_control: marker };
        break;
      }
      case "system": {
        if (location.shorthand) {
          params.system = [{ type: "text", text: params.system as string, cache_control: marker }];
        } else {
          const system = params.system as Json[];
          system[location.index] = { ...system[location.index], cache_control: marker };
        }
        break;
      }
      case "message": {
        const message = messages[location.message] as Json;
        if (location.shorthand) {
          message.content = [
            { type: "text", text: message.content as string, cache_control: marker },
          ];
        } else {
          const content = message.content as Json[];
          content[location.index] = { ...content[location.index], cache_control: marker };
        }
        break;
      }
    }
  }
  return { ...request, params: params as unknown as BatchRequest["params"] };
}
