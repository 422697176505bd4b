/**
 * Writes the plan's markers into the requests (internal): planner markers where a mark ends a
 * block, text splits where it ends inside one; user markers kept or removed per `userMarkers`.
 */
import { applyMarkers, type MarkerPlacement } from "../request/markers.js";
import type { BatchRequest } from "../types.js";
import type { Accepted, PlanContext } from "./_context.js";
import { applySplits, type SplitPlacement, splitLabel } from "./_text-split.js";

/** The requests as they will be sent, by accepted index, with their sizes and marker counts. */
export interface PlacedRequests {
  requests: BatchRequest[];
  bytes: number[];
  markersAdded: number;
  markersRemoved: number;
}

/** Places every request's markers; names each mark after the first request through it. */
export function placeMarkers(ctx: PlanContext): PlacedRequests {
  const { accepted, replace, sizer } = ctx;
  const requests: BatchRequest[] = new Array(accepted.length);
  const bytes: number[] = new Array(accepted.length);
  let markersAdded = 0;
  let markersRemoved = 0;
  accepted.forEach((a, i) => {
    const placements: MarkerPlacement[] = [];
    const splits: SplitPlacement[] = [];
    for (const placed of ctx.pathOf[i] ?? []) {
      const { mark, cut } = placed;
      const location = a.segmented.segments[placed.segment]!.location;
      if (cut >= 0) splits.push({ location, offset: cut, ttl: mark.ttl });
      // The first request through a mark names it, as it lands once every split above it is made.
      placed.label ??= splitLabel(location, cut, splits);
      if (mark.origin !== "planner" || cut >= 0) continue;
      placements.push({ location, ttl: mark.ttl });
    }
    markersAdded += placements.length + splits.length;
    if (replace) markersRemoved += countExisting(a);
    requests[i] = applySplits(applyMarkers(a.request, placements, replace), splits);
    bytes[i] =
      placements.length + splits.length === 0 && !replace ? a.bytes : sizer.bytes(requests[i]);
  });
  return { requests, bytes, markersAdded, markersRemoved };
}

function countExisting(a: Accepted): number {
  return (
    a.segmented.segments.filter((s) => s.marker !== null).length +
    (a.segmented.topLevelMarker ? 1 : 0)
  );
}
