/**
 * Which breakpoints each request of a large plan carries (internal): `_paths.ts`'s matching on
 * compact records. A request's path is the chain from its group's top breakpoint down to its
 * deepest one, so one node index per request says it.
 *
 * The same rules as `resolvePaths()`: every member carries the top; below a breakpoint, children
 * are found by depth among the marker depths; children sharing a depth are told apart by the
 * content before that depth and matched to buckets of as many requests, in plan order. Here that
 * content is a key of all the segments before the depth (`_folder-scan.ts`), not only of those
 * after the parent: members under one breakpoint share the segments up to it, so the buckets are
 * the same.
 */
import type { Plan } from "../types.js";
import type { CompactJob } from "./_folder-read.js";
import { MAX_MARKERS } from "./_folder-scan.js";
import { type BreakpointNode, breakpointTree } from "./_paths.js";

/** The plan's breakpoint trees, every node in one list, and each request's deepest node. */
export interface CompactPaths {
  trees: BreakpointNode[][];
  nodes: BreakpointNode[];
  /** Each node's path, outermost first (by node index). */
  pathOf: BreakpointNode[][];
  /** Index in `nodes` of each request's deepest breakpoint, -1 for none. */
  deepest: Int32Array;
  /** The first member of each node in plan order (by node index): whose prefix stands for it. */
  first: Int32Array;
}

/** Whether a group has two breakpoints at one depth under one parent (its paths need keys). */
export function needsKeys(groups: Plan["groups"]): boolean {
  return groups.some((g) =>
    breakpointTree(g).some((node) => {
      const depths = node.children.map((c) => c.bp.depth);
      return new Set(depths).size < depths.length;
    }),
  );
}

/** Resolves every request's path. `lastWave` orders the last wave first, as the planner does. */
export function compactPaths(
  groups: Plan["groups"],
  job: CompactJob,
  waveOf: (index: number) => number,
  lastWave: number,
): CompactPaths {
  const trees = groups.map((g) => breakpointTree(g));
  const nodes = trees.flat();
  const id = new Map(nodes.map((node, k) => [node, k]));
  const pathOf = nodes.map((node) => {
    const path: BreakpointNode[] = [];
    for (let at: BreakpointNode | undefined = node; at; at = at.parent) path.unshift(at);
    return path;
  });
  const deepest = new Int32Array(job.n).fill(-1);
  const first = new Int32Array(nodes.length).fill(-1);
  const members = groups.map((): number[] => []);
  // Last wave first, then the others, each in plan order: the planner's depth-first order.
  for (const pass of [true, false])
    for (let i = 0; i < job.n; i++)
      if (job.group[i]! >= 0 && (waveOf(i) === lastWave) === pass) members[job.group[i]!]!.push(i);
  const hasMarker = (i: number, depth: number) => {
    for (let k = 0; k < MAX_MARKERS; k++)
      if (job.markers[i * MAX_MARKERS + k] === depth) return true;
    return false;
  };
  const keyOf = (i: number, depth: number) =>
    job.keys ? job.keys[i * job.slots.length + job.slots.indexOf(depth)]! : 0;
  const descend = (node: BreakpointNode, list: number[]): void => {
    const k = id.get(node)!;
    for (const i of list) deepest[i] = k;
    if (first[k] === -1 && list.length > 0) first[k] = list[0]!;
    if (node.children.length === 0) return;
    const depths = [...new Set(node.children.map((c) => c.bp.depth))].sort((a, b) => a - b);
    let remaining = list;
    for (const depth of depths) {
      const candidates = node.children.filter((c) => c.bp.depth === depth);
      const marked = remaining.filter((i) => hasMarker(i, depth));
      if (marked.length === 0) continue;
      const assigned = new Map<BreakpointNode, number[]>();
      if (candidates.length === 1 && marked.length === candidates[0]!.bp.requests) {
        assigned.set(candidates[0]!, marked);
      } else {
        const buckets = new Map<number, number[]>();
        for (const i of marked) {
          const key = keyOf(i, depth);
          (buckets.get(key) ?? buckets.set(key, []).get(key)!).push(i);
        }
        const unused = [...buckets.values()];
        for (const candidate of candidates) {
          const at = unused.findIndex((b) => b.length === candidate.bp.requests);
          if (at < 0) continue;
          assigned.set(candidate, unused[at]!);
          unused.splice(at, 1);
        }
      }
      const taken = new Set<number>();
      for (const [child, l] of assigned) {
        for (const i of l) taken.add(i);
        descend(child, l);
      }
      if (taken.size > 0) remaining = remaining.filter((i) => !taken.has(i));
    }
  };
  trees.forEach((tree, g) => {
    if (tree[0]) descend(tree[0], members[g]!);
  });
  return { trees, nodes, pathOf, deepest, first };
}
