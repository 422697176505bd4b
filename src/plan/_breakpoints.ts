/**
 * Breakpoint selection (internal): which shared prefixes get a marker, with which TTL and mode.
 *
 * Candidates are trie nodes shared by at least 2 requests, long enough to cache, on a block that
 * may carry `cache_control`, and the deepest such node of a chain with the same request set (the
 * last segment identical across those requests, reference fact 1). A dynamic programme over the
 * candidate tree chooses the set with the largest expected savings such that no request carries
 * more than 4 markers (reference fact 2) and no 1h marker follows a 5m one (reference fact 6).
 *
 * Every entry a request reads sits at a breakpoint that request carries itself, so reads never
 * depend on the 20-position lookback (reference fact 3); the lookback only matters to strategies
 * that place fewer markers, which the simulator models.
 */
import type { CacheTtl, Strategy } from "../types.js";
import { type Mode, savingsPerToken } from "./_cost-model.js";
import type { TrieNode } from "./_trie.js";

export interface Candidate {
  node: TrieNode;
  /** Estimated tokens of the prefix up to and including this node's segment. */
  tokens: number;
  /** A marker every request through this node already carries (user markers, kept). */
  forced: CacheTtl | null;
  /** Planner markers any request through this node can still take. */
  budget: number;
  /** No request through this node has a 5m user marker before it. */
  allow1h: boolean;
  /** No request through this node has a 1h user marker after it. */
  allow5m: boolean;
  children: Candidate[];
}

export interface Mark {
  candidate: Candidate;
  mode: Mode;
  ttl: CacheTtl;
  origin: "planner" | "user";
}

export interface SelectOptions {
  strategy: Strategy;
  ttl: "auto" | CacheTtl;
  concurrency: number;
  readMultiplier: number;
}

interface Choice {
  gain: number;
  /** The mark chosen at this node, or null for none. */
  mark: { mode: Mode; ttl: CacheTtl } | null;
}

function modesFor(strategy: Strategy): Mode[] {
  switch (strategy) {
    case "auto":
      return ["cold", "primed"];
    case "primed":
      return ["primed"];
    case "cold":
      return ["cold"];
    case "none":
      return [];
  }
}

function ttlFor(mode: Mode, ttl: "auto" | CacheTtl): CacheTtl {
  if (ttl !== "auto") return ttl;
  return mode === "primed" ? "1h" : "5m";
}

/** The (mode, TTL) pairs a strategy may use under a TTL option. */
export function allowedModes(
  strategy: Strategy,
  ttl: "auto" | CacheTtl,
): { mode: Mode; ttl: CacheTtl }[] {
  return modesFor(strategy).map((mode) => ({ mode, ttl: ttlFor(mode, ttl) }));
}

/** Chooses marks over a forest of candidates. Deterministic: ties keep the first option tried. */
export function selectBreakpoints(roots: readonly Candidate[], options: SelectOptions): Mark[] {
  const modes = modesFor(options.strategy);
  const memo = new Map<string, Choice>();
  const ids = new Map<Candidate, number>();
  let nextId = 0;
  const idOf = (c: Candidate | undefined) => {
    if (c === undefined) return -1;
    let id = ids.get(c);
    if (id === undefined) {
      id = nextId++;
      ids.set(c, id);
    }
    return id;
  };

  const gainOf = (c: Candidate, parent: Candidate | undefined, mode: Mode, ttl: CacheTtl) =>
    (c.tokens - (parent?.tokens ?? 0)) *
    savingsPerToken(c.node.count, mode, ttl, options.concurrency, options.readMultiplier);

  const childrenGain = (
    c: Candidate,
    parent: Candidate | undefined,
    used: number,
    after5m: boolean,
  ) => {
    let sum = 0;
    for (const child of c.children) sum += solve(child, parent, used, after5m).gain;
    return sum;
  };

  const solve = (
    c: Candidate,
    parent: Candidate | undefined,
    used: number,
    after5m: boolean,
  ): Choice => {
    const key = `${idOf(c)},${idOf(parent)},${used},${after5m ? 1 : 0}`;
    const cached = memo.get(key);
    if (cached) return cached;
    let best: Choice;
    if (c.forced !== null) {
      // A user marker on every request through this node: it stays, costs no planner slot.
      const mode: Mode = c.forced === "1h" ? "primed" : "cold";
      best = {
        gain:
          gainOf(c, parent, mode, c.forced) +
          childrenGain(c, c, used, after5m || c.forced === "5m"),
        mark: { mode, ttl: c.forced },
      };
    } else {
      best = { gain: childrenGain(c, parent, used, after5m), mark: null };
      if (used + 1 <= c.budget) {
        for (const mode of modes) {
          const ttl = ttlFor(mode, options.ttl);
          if (ttl === "1h" && (after5m || !c.allow1h)) continue;
          if (ttl === "5m" && !c.allow5m) continue;
          const own = gainOf(c, parent, mode, ttl);
          if (own <= 0) continue;
          const gain = own + childrenGain(c, c, used + 1, after5m || ttl === "5m");
          if (gain > best.gain) best = { gain, mark: { mode, ttl } };
        }
      }
    }
    memo.set(key, best);
    return best;
  };

  const marks: Mark[] = [];
  const collect = (c: Candidate, parent: Candidate | undefined, used: number, after5m: boolean) => {
    const choice = solve(c, parent, used, after5m);
    if (choice.mark === null) {
      for (const child of c.children) collect(child, parent, used, after5m);
      return;
    }
    marks.push({ candidate: c, ...choice.mark, origin: c.forced !== null ? "user" : "planner" });
    const nextUsed = c.forced !== null ? used : used + 1;
    for (const child of c.children)
      collect(child, c, nextUsed, after5m || choice.mark.ttl === "5m");
  };
  for (const root of roots) collect(root, undefined, 0, false);
  return marks;
}
