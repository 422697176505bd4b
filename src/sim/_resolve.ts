/**
 * Which breakpoints a request has, as the API resolves them (internal): explicit `cache_control`
 * blocks plus the top-level (automatic) marker, with the API's 400s.
 */
import { lastCacheable, type Segment, type SegmentedRequest } from "../request/segments.js";
import type { CacheTtl } from "../types.js";

/** The API's own message for a 5th marker (reference fact 2, §1.2, ISS-4BP). */
export function tooManyMarkersMessage(found: number): string {
  return `A maximum of 4 blocks with cache_control may be provided. Found ${found}.`;
}

/** How a request whose 1h marker comes after a 5m marker is treated (reference fact 6). */
export type TtlOrderViolation = "error" | "as-written";

/** A breakpoint before tokens are known. */
export interface Mark {
  segment: number;
  ttl: CacheTtl;
  origin: "explicit" | "top-level";
}

export type Resolution = { ok: true; marks: Mark[] } | { ok: false; message: string };

/**
 * Resolves the markers of a segmented request, in prefix order. The marker count limit is checked
 * by the caller (it counts raw `cache_control` fields, as the API does).
 */
export function resolveMarks(
  segmented: SegmentedRequest,
  ttlOrderViolation: TtlOrderViolation,
): Resolution {
  const { segments, topLevelMarker } = segmented;
  const marks: Mark[] = [];
  for (const [i, segment] of segments.entries()) {
    if (segment.marker === null) continue;
    if (!segment.eligible) {
      // Reference §1.5: thinking blocks have no `cache_control` field and "empty text blocks
      // cannot be cached". The API's wording for this 400 is not in the reference.
      return {
        ok: false,
        message: `\`${segment.label}\`: this block cannot carry \`cache_control\` (empty text, thinking and redacted thinking blocks cannot be cached); move the marker to the previous cacheable block.`,
      };
    }
    marks.push({ segment: i, ttl: segment.marker, origin: "explicit" });
  }
  if (topLevelMarker !== null) {
    // Reference §1.4: the automatic marker goes on the last cacheable block, walking back over
    // ineligible ones, and is skipped when there is none.
    const last = lastCacheable(segments);
    const existing = last >= 0 ? segments[last]!.marker : null;
    if (last >= 0 && existing === null) {
      marks.push({ segment: last, ttl: topLevelMarker, origin: "top-level" });
    } else if (existing !== null && existing !== topLevelMarker) {
      // Reference §1.4 edge cases: a different TTL on the last block is a 400; the same TTL makes
      // the top-level field a no-op. The API's wording is not in the reference.
      return {
        ok: false,
        message: `The top-level \`cache_control\` (ttl "${topLevelMarker}") conflicts with the \`cache_control\` (ttl "${existing}") on the last cacheable block \`${segments[last]!.label}\`; use the same TTL or remove one of them.`,
      };
    }
  }
  if (ttlOrderViolation === "error") {
    // Reference fact 6 and §3 "Mixing TTLs": 1h breakpoints must come before 5m ones; what the
    // API does otherwise is undocumented. Decision: the conservative outcome, a 400, so that a
    // plan relying on a misordered request shows up as failing rather than as savings.
    let first5m: Mark | undefined;
    for (const mark of marks) {
      if (mark.ttl === "5m") first5m ??= mark;
      else if (first5m !== undefined) {
        return {
          ok: false,
          message: `The \`cache_control\` with ttl "1h" on ${where(segments, mark)} comes after one with ttl "5m" on ${where(segments, first5m)}; 1h breakpoints must come before 5m breakpoints.`,
        };
      }
    }
  }
  return { ok: true, marks };
}

function where(segments: readonly Segment[], mark: Mark): string {
  const text = `\`${segments[mark.segment]!.label}\``;
  return mark.origin === "top-level" ? `${text} (the top-level marker)` : text;
}
