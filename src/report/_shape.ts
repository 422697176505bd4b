/**
 * A group's shape, built one request at a time (internal): the distinct cache entries its requests
 * reach at the group's breakpoint depths, and which top-level prefix most of them share. Memory
 * grows with the group's distinct prefixes (a 22-character hash each), never with its requests:
 * the report of a plan of millions streams the batch files through it.
 */
import {
  ContextInterner,
  lastCacheable,
  type Segment,
  segmentRequest,
} from "../request/segments.js";
import type { BatchRequest, PlannedGroup } from "../types.js";
import { hashText } from "../util/hash.js";

/** Facts of one group, from its requests. */
export interface GroupShape {
  /** Distinct deepest entries that no other request's path passes through: the ideal number of writing requests. */
  idealWrites: number;
  /** Distinct top-level prefixes. */
  variants: number;
}

/** Characters of prefixes whose hashes are remembered (the groups' shared ones, mostly). */
const REMEMBERED_CHARS = 4_000_000;

/**
 * A `ContextInterner` that does not hash plain texts: a text's "hash" is its scope and the text
 * itself, length-prefixed so that no two differ only in where one ends (the report compares keys,
 * never shows them; equal exactly when the planner's hashes are equal, reference fact 1). So a
 * request's own text past the group's breakpoints is never hashed, and no text is memoised (the
 * shared interner keeps every distinct text: the job's whole unique text, for a plan of
 * millions). Only the prefixes up to the breakpoints are hashed (`prefixHash`), the last few
 * remembered within a bounded number of characters.
 */
export class TextKeyInterner extends ContextInterner {
  #hashes = new Map<string, string>();
  #chars = 0;

  override textHash(scope: string, text: string): string {
    return `${scope.length}.${text.length}.${scope}${text}`;
  }

  /** `hashText(prefix)`, remembered for the prefixes seen last. */
  prefixHash(prefix: string): string {
    let hash = this.#hashes.get(prefix);
    if (hash === undefined) {
      hash = hashText(prefix);
      if (this.#chars + prefix.length > REMEMBERED_CHARS) {
        this.#hashes = new Map();
        this.#chars = 0;
      }
      if (prefix.length <= REMEMBERED_CHARS) {
        this.#hashes.set(prefix, hash);
        this.#chars += prefix.length;
      }
    }
    return hash;
  }
}

/** Depths (1-based) of a request's markers; a top-level marker lands on the last cacheable block (§1.4). */
function markerDepths(segments: readonly Segment[], topLevel: boolean): number[] {
  const depths: number[] = [];
  segments.forEach((s, d) => {
    if (s.marker !== null) depths.push(d + 1);
  });
  const last = lastCacheable(segments);
  if (topLevel && last >= 0) depths.push(last + 1);
  return depths;
}

function prefixKey(segments: readonly Segment[], depth: number, interner: TextKeyInterner) {
  return interner.prefixHash(
    segments
      .slice(0, depth)
      .map((s) => s.key)
      .join("|"),
  );
}

/**
 * Shape of one group, its requests added one at a time: entry keys at the group's breakpoint
 * depths (the cache key is the exact prefix up to the marked block, reference fact 1).
 */
export class GroupShapeBuilder {
  readonly #depths: Set<number>;
  readonly #top: number;
  /** Top-level prefix key → its variant number, in order of first appearance. */
  readonly #variants = new Map<string, number>();
  readonly #counts: number[] = [];
  /** Keys some request's path passes through, and keys some request's path ends at. */
  readonly #inner = new Set<string>();
  readonly #leaves = new Set<string>();

  constructor(group: PlannedGroup) {
    this.#depths = new Set(group.breakpoints.map((b) => b.depth));
    this.#top = group.breakpoints[0]?.depth ?? 0;
  }

  /** Adds a request of the group; returns its variant (the number of its top-level prefix). */
  add(request: BatchRequest, interner: TextKeyInterner): number {
    const { segments, topLevelMarker } = segmentRequest(request, interner);
    const marked = markerDepths(segments, topLevelMarker !== null)
      .filter((d) => this.#depths.has(d))
      .sort((a, b) => a - b);
    const keys = new Map<number, string>();
    const keyAt = (d: number) => {
      let key = keys.get(d);
      if (key === undefined) {
        key = prefixKey(segments, d, interner);
        keys.set(d, key);
      }
      return key;
    };
    const path = (marked.length > 0 ? marked : [this.#top]).map(keyAt);
    for (const key of path.slice(0, -1)) this.#inner.add(key);
    this.#leaves.add(path[path.length - 1]!);
    const topKey = keyAt(this.#top);
    let variant = this.#variants.get(topKey);
    if (variant === undefined) {
      variant = this.#variants.size;
      this.#variants.set(topKey, variant);
      this.#counts.push(0);
    }
    this.#counts[variant]! += 1;
    return variant;
  }

  /**
   * The group's shape, and its majority variant (the prefix most of its requests share; the
   * first seen on a tie): a request of another variant drifted.
   */
  finish(): { shape: GroupShape; majority: number } {
    let leaves = 0;
    for (const key of this.#leaves) if (!this.#inner.has(key)) leaves += 1;
    let majority = -1;
    let best = -1;
    this.#counts.forEach((n, v) => {
      if (n > best) {
        best = n;
        majority = v;
      }
    });
    return {
      shape: { idealWrites: Math.max(1, leaves), variants: this.#variants.size },
      majority,
    };
  }
}
