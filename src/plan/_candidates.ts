/**
 * Builds the candidate tree from a model's trie (internal); see `_breakpoints.ts` for what a
 * candidate is. Also gathers per-node facts the warnings need.
 */
import { MAX_BREAKPOINTS } from "../targets/anthropic/caching.js";
import type { CacheTtl } from "../types.js";
import type { Candidate } from "./_breakpoints.js";
import { isTail, type TrieNode } from "./_trie.js";

/** What the candidate builder needs to know of each request. */
export interface RequestFacts {
  /** Markers the request keeps (user markers and a top-level one). */
  fixedMarkers: number;
  /** 1-based depth of the first 5m user marker, or Infinity. */
  first5m: number;
  /** 1-based depth of the last 1h user marker, or 0. */
  last1h: number;
  /** Whether segment `depth - 1` may carry a marker. */
  eligible: (depth: number) => boolean;
}

interface Aggregate {
  budget: number;
  first5m: number;
  last1h: number;
}

/** Budget and TTL constraints of every node, bottom-up over the trie. */
function aggregate(root: TrieNode, facts: readonly RequestFacts[]): Map<TrieNode, Aggregate> {
  const result = new Map<TrieNode, Aggregate>();
  const visit = (node: TrieNode): Aggregate => {
    const agg: Aggregate = {
      budget: MAX_BREAKPOINTS,
      first5m: Number.POSITIVE_INFINITY,
      last1h: 0,
    };
    const add = (request: number) => {
      const f = facts[request]!;
      agg.budget = Math.min(agg.budget, MAX_BREAKPOINTS - f.fixedMarkers);
      agg.first5m = Math.min(agg.first5m, f.first5m);
      agg.last1h = Math.max(agg.last1h, f.last1h);
    };
    for (const end of node.ends) add(end);
    for (const child of node.children.values()) {
      if (isTail(child)) {
        add(child.request);
      } else {
        const c = visit(child);
        agg.budget = Math.min(agg.budget, c.budget);
        agg.first5m = Math.min(agg.first5m, c.first5m);
        agg.last1h = Math.max(agg.last1h, c.last1h);
      }
    }
    result.set(node, agg);
    return agg;
  };
  visit(root);
  return result;
}

/** The TTL every request through `node` carries on its segment, or null if not all do the same. */
export function consistentUserMarker(node: TrieNode): CacheTtl | null {
  const { "5m": m5, "1h": h1 } = node.userMarked;
  if (m5 === node.count && h1 === 0) return "5m";
  if (h1 === node.count && m5 === 0) return "1h";
  return null;
}

/** The single child carrying the same requests, if the node is one link of such a chain. */
function sameSetChild(node: TrieNode): TrieNode | undefined {
  if (node.ends.length > 0 || node.children.size !== 1) return undefined;
  const [child] = node.children.values();
  return child && !isTail(child) && child.count === node.count ? child : undefined;
}

export interface CandidateForest {
  roots: Candidate[];
  /** Shared nodes (count ≥ 2, maximal for their request set) too short to cache. */
  belowMinimum: TrieNode[];
  /**
   * Shared nodes (maximal, under no candidate) with too few requests to ever pay, whose length
   * was therefore not counted.
   */
  tooFew: TrieNode[];
}

/**
 * Candidates of one model. `tokens(node)` gives the prefix length, or undefined for a node whose
 * length was not counted because too few requests share it to ever pay; `minimum` is the model's
 * minimum cacheable length.
 */
export function buildCandidates(
  root: TrieNode,
  facts: readonly RequestFacts[],
  tokens: (node: TrieNode) => number | undefined,
  minimum: number,
): CandidateForest {
  const aggs = aggregate(root, facts);
  const roots: Candidate[] = [];
  const belowMinimum: TrieNode[] = [];
  const tooFew: TrieNode[] = [];

  const make = (node: TrieNode, forced: CacheTtl | null): Candidate => {
    const agg = aggs.get(node)!;
    return {
      node,
      tokens: tokens(node) ?? 0,
      forced,
      budget: agg.budget,
      allow1h: agg.first5m >= node.depth,
      allow5m: agg.last1h <= node.depth,
      children: [],
    };
  };

  const visit = (node: TrieNode, parent: Candidate | undefined, underTooFew: boolean) => {
    let tooFewHere = false;
    let here: Candidate | undefined;
    if (node.depth > 0 && node.count >= 2) {
      const rep = facts[node.representative]!;
      const marked = node.userMarked["5m"] + node.userMarked["1h"];
      const forced = consistentUserMarker(node);
      const length = tokens(node);
      if (forced !== null) {
        if (length !== undefined && length >= minimum) here = make(node, forced);
      } else if (marked === 0 && rep.eligible(node.depth)) {
        const deeper = sameSetChild(node);
        // Prefer the deepest eligible node carrying the same requests: more tokens, same readers.
        let chainHasBetter = false;
        for (let d = deeper; d !== undefined; d = sameSetChild(d)) {
          if (rep.eligible(d.depth) && d.userMarked["5m"] + d.userMarked["1h"] === 0) {
            chainHasBetter = true;
            break;
          }
        }
        if (!chainHasBetter) {
          if (length === undefined) {
            if (parent === undefined && !underTooFew) {
              tooFew.push(node);
              tooFewHere = true;
            }
          } else if (length >= minimum) here = make(node, null);
          else belowMinimum.push(node);
        }
      }
    }
    if (here) {
      if (parent) parent.children.push(here);
      else roots.push(here);
    }
    for (const child of node.children.values()) {
      if (!isTail(child)) visit(child, here ?? parent, underTooFew || tooFewHere);
    }
  };
  visit(root, undefined, false);
  return { roots, belowMinimum, tooFew };
}
