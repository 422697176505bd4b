/**
 * Groups and cache settings of one model (internal). Automatic caching (GPT-5 to 5.5): a group is
 * the shallowest shared prefix of at least 1,024 tokens; its requests are ordered together and get
 * one `prompt_cache_key`. Explicit caching (GPT-5.6+): `prompt_cache_breakpoint`s at shared
 * prefixes where they pay under the expected-miss model (a write costs 1.25×, a read the model's
 * read multiplier; requests of one batch run in parallel and cannot read each other's writes, so a
 * cold group of n writes min(n, concurrency) times; a primer alone in wave 0 writes once), at most
 * 4 a request, identical on every request under the prefix. Reference: other-batch-systems.md §4.6, §7.
 */
import { hashText } from "../../util/hash.js";
import type { OANode, OATrie } from "./_trie.js";
import { cacheableTokens, MAX_BREAKPOINTS, MIN_CACHEABLE_TOKENS } from "./caching.js";
import { EXPLICIT_WRITE_MULTIPLIER } from "./prices.js";
import type { OpenAISegment } from "./segments.js";

/** A group decided for one model, in local request indices. */
export interface LocalGroup {
  node: OANode;
  /** Requests in planned order. */
  members: number[];
  sharedTokens: number;
  key: string;
  /** Explicit: selected nodes of the group, outermost first, with their mode. */
  marks: LocalMark[];
  mode: "primed" | "cold";
  primers: number[];
}

export interface LocalMark {
  node: OANode;
  mode: "primed" | "cold";
  writes: number;
  reads: number;
}

/** The model's inputs to grouping. */
export interface GroupInput {
  model: string;
  trie: OATrie;
  segments: OpenAISegment[][];
  order: number[];
  userBreakpoints: number[];
  strategy: "auto" | "primed" | "cold" | "none";
  maxWaves: number;
  concurrency: number;
  readMultiplier: number;
}

/** A stable key for a group's prefix: the same prefix gets the same key in every plan. */
export function groupKey(model: string, node: OANode): string {
  return `cacheplan-${hashText(`${model}\u0000${node.key}\u0000${node.depth}`).slice(0, 16)}`;
}

/** The deepest node under `node` that every one of its requests passes through. */
function deepestCommon(node: OANode): OANode {
  let n = node;
  for (;;) {
    if (n.ends.length > 0 || n.children.size !== 1) return n;
    const only = [...n.children.values()][0]!;
    if (only.requests.length !== n.requests.length) return n;
    n = only;
  }
}

function inOrder(members: readonly number[], rank: ReadonlyMap<number, number>): number[] {
  return [...members].sort((a, b) => rank.get(a)! - rank.get(b)!);
}

/** Automatic caching: the shallowest shared prefix of ≥ 1,024 tokens per request. */
export function automaticGroups(input: GroupInput): LocalGroup[] {
  const rank = new Map(input.order.map((r, i) => [r, i]));
  const groups: LocalGroup[] = [];
  const walk = (node: OANode) => {
    for (const child of node.children.values()) {
      if (child.requests.length >= 2 && child.tokens >= MIN_CACHEABLE_TOKENS) {
        const common = deepestCommon(child);
        groups.push({
          node: child,
          members: inOrder(child.requests, rank),
          sharedTokens: cacheableTokens(common.tokens),
          key: groupKey(input.model, child),
          marks: [],
          mode: "cold",
          primers: [],
        });
      } else if (child.requests.length >= 2) walk(child);
    }
  };
  walk(input.trie.root);
  return groups.sort((a, b) => rank.get(a.members[0]!)! - rank.get(b.members[0]!)!);
}

/** Units (base-input tokens × multiplier) of `n` requests over `delta` tokens, per mode. */
function unitsOf(n: number, delta: number, writes: number, read: number): number {
  return delta * (writes * EXPLICIT_WRITE_MULTIPLIER + (n - writes) * read);
}

/** The cheaper allowed mode for `n` requests sharing `delta` new tokens, or undefined when none pays. */
function bestMode(
  input: GroupInput,
  n: number,
  delta: number,
  forced: "primed" | "cold" | undefined,
): "primed" | "cold" | undefined {
  const canPrime = input.maxWaves >= 2 && input.strategy !== "cold";
  const primed = canPrime ? unitsOf(n, delta, 1, input.readMultiplier) : Number.POSITIVE_INFINITY;
  const cold =
    input.strategy === "primed" && canPrime
      ? Number.POSITIVE_INFINITY
      : unitsOf(n, delta, Math.min(n, input.concurrency), input.readMultiplier);
  const uncached = n * delta;
  if (forced === "primed") return primed < uncached ? "primed" : undefined;
  if (forced === "cold") return cold < uncached ? "cold" : undefined;
  if (Math.min(primed, cold) >= uncached) return undefined;
  return primed <= cold ? "primed" : "cold";
}

/** Whether a breakpoint can sit at the end of the node's segment. */
function eligibleAt(input: GroupInput, node: OANode): boolean {
  const rep = node.requests[0]!;
  return input.segments[rep]![node.depth - 1]?.eligible === true;
}

/** Explicit caching: breakpoints, top-down, where they pay, ≤ 4 on any request's path. */
export function explicitGroups(input: GroupInput): LocalGroup[] {
  const rank = new Map(input.order.map((r, i) => [r, i]));
  const groups: LocalGroup[] = [];
  const maxUser = (node: OANode) =>
    Math.max(...node.requests.map((r) => input.userBreakpoints[r]!));
  const walk = (
    node: OANode,
    group: LocalGroup | undefined,
    above: number,
    aboveTokens: number,
  ) => {
    for (const child of node.children.values()) {
      const n = child.requests.length;
      if (n < 2) continue;
      // The deepest node of a chain with the same requests is the one worth marking.
      const chainEnd = deepestCommon(child) === child || child.ends.length > 0;
      let placed = false;
      if (
        chainEnd &&
        child.tokens >= MIN_CACHEABLE_TOKENS &&
        eligibleAt(input, child) &&
        above + maxUser(child) < MAX_BREAKPOINTS
      ) {
        const mode = bestMode(input, n, child.tokens - aboveTokens, group?.mode);
        if (mode !== undefined) {
          const mark: LocalMark = { node: child, mode, writes: 0, reads: 0 };
          if (group === undefined) {
            const g: LocalGroup = {
              node: child,
              members: inOrder(child.requests, rank),
              sharedTokens: child.tokens,
              key: groupKey(input.model, child),
              marks: [mark],
              mode,
              primers: [],
            };
            groups.push(g);
            walk(child, g, above + 1, child.tokens);
          } else {
            group.marks.push(mark);
            walk(child, group, above + 1, child.tokens);
          }
          placed = true;
        }
      }
      if (!placed) walk(child, group, above, aboveTokens);
    }
  };
  walk(input.trie.root, undefined, 0, 0);
  for (const g of groups) choosePrimers(g, rank, input.concurrency);
  return groups.sort((a, b) => rank.get(a.members[0]!)! - rank.get(b.members[0]!)!);
}

/** Primers of a primed group (deepest marks first, one per mark not yet covered) and each mark's writes and reads. */
function choosePrimers(
  g: LocalGroup,
  rank: ReadonlyMap<number, number>,
  concurrency: number,
): void {
  if (g.mode === "primed") {
    const primers = new Set<number>();
    const byDepth = [...g.marks].sort((a, b) => b.node.depth - a.node.depth);
    for (const mark of byDepth) {
      const under = new Set(mark.node.requests);
      if ([...primers].some((p) => under.has(p))) continue;
      primers.add(inOrder(mark.node.requests, rank)[0]!);
    }
    g.primers = inOrder([...primers], rank);
  }
  const primerSet = new Set(g.primers);
  for (const mark of g.marks) {
    const n = mark.node.requests.length;
    const writes =
      g.mode === "primed"
        ? mark.node.requests.filter((r) => primerSet.has(r)).length
        : Math.min(n, concurrency);
    mark.writes = writes;
    mark.reads = n - writes;
    mark.mode = g.mode;
  }
}
