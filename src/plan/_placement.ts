/**
 * Writes the plan's markers into the requests (internal): planner markers where a mark ends a
 * block, text splits where it ends inside one; user markers kept or removed per `userMarkers`.
 * The decisions come first (`nameMarks`, with no request in memory), then each request is edited
 * when it is read again for its batch (`placeRequest`, one request at a time).
 */
import { applyMarkers, type MarkerPlacement } from "../request/markers.js";
import { type SegmentLocation, walkedSegments } from "../request/segments.js";
import type { BatchRequest, CacheTtl } from "../types.js";
import type { Json } from "../util/json.js";
import type { Accepted, PlanContext } from "./_context.js";
import { applySplits, type SplitPlacement, splitLabel } from "./_text-split.js";

/** Markers the plan adds and removes, over all requests. */
export interface MarkerCounts {
  markersAdded: number;
  markersRemoved: number;
}

/**
 * Names each mark after the first request through it (as it lands once every split above it is
 * made) and counts the markers added and removed. Reads a request again only for a mark not yet
 * named.
 */
export function nameMarks(ctx: PlanContext): MarkerCounts {
  const { accepted, replace } = ctx;
  let markersAdded = 0;
  let markersRemoved = 0;
  accepted.forEach((a, i) => {
    const path = ctx.pathOf[i] ?? [];
    for (const placed of path)
      if (placed.mark.origin === "planner" || placed.cut >= 0) markersAdded += 1;
    if (replace) markersRemoved += countExisting(a);
    if (path.every((placed) => placed.label !== undefined)) return;
    const segments = a.segmented.segments;
    const splits: SplitPlacement[] = [];
    for (const placed of path) {
      const { mark, cut } = placed;
      if (cut >= 0)
        splits.push({ location: segments[placed.segment]!.location, offset: cut, ttl: mark.ttl });
      placed.label ??= splitLabel(segments[placed.segment]!.location, cut, splits);
    }
  });
  return { markersAdded, markersRemoved };
}

/** One edit of a request: a mark on its path (segment index, split offset or -1, TTL, origin). */
export interface Edit {
  segment: number;
  cut: number;
  ttl: CacheTtl;
  planner: boolean;
}

/** The edits of request `index` (the marks on its path, outermost first). */
export function editsOf(ctx: PlanContext, index: number): Edit[] {
  return (ctx.pathOf[index] ?? []).map((p) => ({
    segment: p.segment,
    cut: p.cut,
    ttl: p.mark.ttl,
    planner: p.mark.origin === "planner",
  }));
}

/** Request `index` as it will be sent: `request` (read again) with the plan's edits. */
export function placeRequest(ctx: PlanContext, index: number, request: BatchRequest): BatchRequest {
  if (ctx.pathOf[index] === undefined && !ctx.replace) return request;
  return applyEdits(request, editsOf(ctx, index), ctx.replace);
}

/**
 * `request` with `edits` applied: planner markers where a mark ends a block, splits where it ends
 * inside one, every existing marker removed first when `replace`. Pure (the copy pass's workers
 * call it with edits sent to them).
 */
export function applyEdits(
  request: BatchRequest,
  edits: readonly Edit[],
  replace: boolean,
): BatchRequest {
  if (edits.length === 0 && !replace) return request;
  let locations: SegmentLocation[] | undefined;
  const locationOf = (segment: number) => {
    locations ??= walkedSegments(request.params as unknown as Json).map((w) => w.location);
    return locations[segment]!;
  };
  const placements: MarkerPlacement[] = [];
  const splits: SplitPlacement[] = [];
  for (const { segment, cut, ttl, planner } of edits) {
    if (cut >= 0) splits.push({ location: locationOf(segment), offset: cut, ttl });
    if (!planner || cut >= 0) continue;
    placements.push({ location: locationOf(segment), ttl });
  }
  return applySplits(applyMarkers(request, placements, replace), splits);
}

/** Whether `placeRequest` leaves request `index` as it is. */
export function unchanged(ctx: PlanContext, index: number): boolean {
  if (ctx.replace) return false;
  const path = ctx.pathOf[index];
  return path === undefined || path.every((p) => p.mark.origin !== "planner" && p.cut < 0);
}

function countExisting(a: Accepted): number {
  return (
    a.segmented.segments.filter((s) => s.marker !== null).length +
    (a.segmented.topLevelMarker ? 1 : 0)
  );
}
