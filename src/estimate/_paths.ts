/**
 * Which of a group's breakpoints each request carries (internal). A plan lists a group's
 * breakpoints in pre-order (outermost first) and the group's requests, but not which request sits
 * under which nested breakpoint; this recovers it from the markers in the planned requests.
 *
 * Every request of the group carries the top breakpoint. Below a breakpoint, a child is found by
 * its depth among the request's marker depths; when several children share a depth (a document
 * shared by its questions, under shared instructions), requests are told apart by the content of
 * the segments between the parent and the child, and matched to children in plan order: within
 * the last wave the planned order is the planner's depth-first order, which is the pre-order of
 * the breakpoints. A match must also agree on the number of requests.
 */

import { segmentHash, type WalkedSegment } from "../request/segments.js";
import type { PlannedBreakpoint, PlannedGroup } from "../types.js";

/** A breakpoint in its group's tree. */
export interface BreakpointNode {
  bp: PlannedBreakpoint;
  parent: BreakpointNode | undefined;
  children: BreakpointNode[];
}

/** What the matcher needs of a request. */
export interface PathMember {
  segments: readonly WalkedSegment[];
  /** Depths (1-based) of the segments that carry a `cache_control` marker. */
  markers: ReadonlySet<number>;
  /** Position in the plan, last wave first: the planner's depth-first order. */
  order: number;
  /** Breakpoints on the request's path, outermost first (filled by {@link resolvePaths}). */
  path: BreakpointNode[];
}

/** The group's breakpoints as a tree (pre-order list → parents by depth). */
export function breakpointTree(group: PlannedGroup): BreakpointNode[] {
  const nodes: BreakpointNode[] = [];
  const stack: BreakpointNode[] = [];
  for (const bp of group.breakpoints) {
    while (stack.length > 0 && stack[stack.length - 1]!.bp.depth >= bp.depth) stack.pop();
    const parent = stack[stack.length - 1];
    const node: BreakpointNode = { bp, parent, children: [] };
    parent?.children.push(node);
    nodes.push(node);
    stack.push(node);
  }
  return nodes;
}

const hashes = new WeakMap<WalkedSegment, string>();
function hashOf(segment: WalkedSegment): string {
  let hash = hashes.get(segment);
  if (hash === undefined) {
    hash = segmentHash(segment);
    hashes.set(segment, hash);
  }
  return hash;
}

/**
 * Fills `path` of every member of a group. `members` must be sorted by `order`. Members whose
 * markers match no child stay at the deepest breakpoint they matched.
 */
export function resolvePaths(roots: readonly BreakpointNode[], members: PathMember[]): void {
  const top = roots[0];
  if (top === undefined) return;
  // Several top-level breakpoints cannot happen (a group has one top); take the first.
  descend(top, members);
}

function descend(node: BreakpointNode, members: PathMember[]): void {
  for (const member of members) member.path.push(node);
  if (node.children.length === 0) return;
  const depths = [...new Set(node.children.map((c) => c.bp.depth))].sort((a, b) => a - b);
  let remaining = members;
  for (const depth of depths) {
    const candidates = node.children.filter((c) => c.bp.depth === depth);
    const marked = remaining.filter((m) => m.markers.has(depth));
    if (marked.length === 0) continue;
    const assigned = new Map<BreakpointNode, PathMember[]>();
    if (candidates.length === 1 && marked.length === candidates[0]!.bp.requests) {
      assigned.set(candidates[0]!, marked);
    } else {
      const buckets = new Map<string, PathMember[]>();
      for (const member of marked) {
        let key = "";
        for (let d = node.bp.depth; d < depth; d++) key += `${hashOf(member.segments[d]!)}/`;
        const bucket = buckets.get(key);
        if (bucket) bucket.push(member);
        else buckets.set(key, [member]);
      }
      const unused = [...buckets.values()];
      for (const candidate of candidates) {
        const k = unused.findIndex((b) => b.length === candidate.bp.requests);
        if (k < 0) continue;
        assigned.set(candidate, unused[k]!);
        unused.splice(k, 1);
      }
    }
    const taken = new Set<PathMember>();
    for (const [child, list] of assigned) {
      for (const m of list) taken.add(m);
      descend(child, list);
    }
    remaining = remaining.filter((m) => !taken.has(m));
  }
}
