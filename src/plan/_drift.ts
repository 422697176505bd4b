/**
 * Prefix drift (internal): requests whose blocks at the same place are nearly identical text that
 * differs in a short span, such as a timestamp or an id interpolated into an otherwise shared
 * system prompt. Such drift silently breaks caching (reference §1.1 "common mistake", §1.6 "other
 * silent invalidators").
 *
 * Siblings (the blocks that follow one shared prefix) are bucketed by their first and by their
 * last characters: two texts that differ only in a short span share their start (the span is near
 * the end), their end (near the start), or both. Only texts in one bucket are compared, so a node
 * with thousands of unrelated children costs one pass.
 */
import {
  DRIFT_CONTEXT_CHARS as CONTEXT_CHARS,
  diffSpan,
  DRIFT_KEY_CHARS as KEY_CHARS,
  DRIFT_MAX_DIFF_CHARS as MAX_DIFF_CHARS,
  DRIFT_MAX_PER_BUCKET as MAX_PER_BUCKET,
  DRIFT_MIN_COMMON_SHARE as MIN_COMMON_SHARE,
  DRIFT_MIN_TEXT_CHARS as MIN_TEXT_CHARS,
} from "../request/drift-rule.js";
import type { Segment } from "../request/segments.js";
import { isTail, type PrefixTrie, type TrieNode } from "./_trie.js";

export interface Drift {
  segment: string;
  requests: number;
  variants: number;
  sample: [string, string];
}

interface Sibling {
  text: string;
  count: number;
  label: string;
}

function textOf(segment: Segment | undefined): string | undefined {
  if (!segment || segment.level === "tools") return undefined;
  const { type, text } = segment.block;
  return type === "text" && typeof text === "string" ? text : undefined;
}

/** The differing spans with context, when `a` and `b` drift; undefined when they do not. */
function drifts(a: string, b: string, from: number): [string, string] | undefined {
  // Both spans end before a common suffix: their lengths differ by the texts' difference.
  if (Math.abs(a.length - b.length) > MAX_DIFF_CHARS) return undefined;
  const { start, endA, endB } = diffSpan(a, b, from);
  const shorter = Math.min(a.length, b.length);
  const common = start + (a.length - endA);
  if (endA - start > MAX_DIFF_CHARS || endB - start > MAX_DIFF_CHARS) return undefined;
  if (common < shorter * MIN_COMMON_SHARE || (endA === start && endB === start)) return undefined;
  return [
    a.slice(Math.max(0, start - CONTEXT_CHARS), endA + CONTEXT_CHARS),
    b.slice(Math.max(0, start - CONTEXT_CHARS), endB + CONTEXT_CHARS),
  ];
}

/** The largest set of drifting siblings in one bucket, if any. */
function bestCluster(bucket: readonly Sibling[], from: number): Drift | undefined {
  let best: Drift | undefined;
  const members = bucket.slice(0, MAX_PER_BUCKET);
  const used = new Set<number>();
  for (let i = 0; i < members.length; i++) {
    if (used.has(i)) continue;
    const first = members[i]!;
    let variants = 1;
    let requests = first.count;
    let sample: [string, string] | undefined;
    for (let j = i + 1; j < members.length; j++) {
      const spans = drifts(first.text, members[j]!.text, from);
      if (!spans) continue;
      used.add(j);
      variants += 1;
      requests += members[j]!.count;
      sample ??= spans;
    }
    if (sample && (!best || requests > best.requests)) {
      best = { segment: first.label, requests, variants, sample };
    }
  }
  return best;
}

/** The drift hashes a slim segment keeps (`_slim.ts`), or undefined for a full segment. */
function slimKeys(segment: Segment | undefined): [number, number] | undefined {
  const slim = segment as { driftStart?: number; driftEnd?: number } | undefined;
  if (slim?.driftStart === undefined || slim.driftEnd === undefined) return undefined;
  return [slim.driftStart, slim.driftEnd];
}

/** Start and end hashes that two or more of a node's children have (sorted copies, no maps). */
function sharedKeys(
  node: TrieNode,
  depth: number,
  segmentAt: (local: number, depth: number) => Segment | undefined,
): { start: Set<number>; end: Set<number> } {
  const starts = new Int32Array(node.children.size);
  const ends = new Int32Array(node.children.size);
  let k = 0;
  for (const child of node.children.values()) {
    const hashes = slimKeys(segmentAt(isTail(child) ? child.request : child.representative, depth));
    if (hashes === undefined || hashes[0] === 0) continue;
    starts[k] = hashes[0];
    ends[k] = hashes[1];
    k += 1;
  }
  const repeated = (values: Int32Array) => {
    const sorted = values.subarray(0, k).sort();
    const out = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) out.add(sorted[i]!);
    return out;
  };
  return { start: repeated(starts), end: repeated(ends) };
}

/** What the planner knows of shared text inside blocks (issue 13); both default to none. */
export interface DriftOptions {
  /** Characters of the next block that every request through `node` shares (text pieces). */
  sharedChars?: (node: TrieNode) => number;
  /**
   * Whether the sharing below `node` is explained already: a split point at or above it inside
   * the same block is split (`splitText`) or named by a `split-text` warning, so a short variable
   * part after a shared template is not drift.
   */
  explained?: (node: TrieNode) => boolean;
}

export function* detectDrift(
  trie: PrefixTrie,
  segmentAt: (local: number, depth: number) => Segment | undefined,
  options: DriftOptions = {},
): Generator<Drift> {
  const visit = function* (node: TrieNode): Generator<Drift> {
    if (node.children.size >= 2 && !options.explained?.(node)) {
      const from = options.sharedChars?.(node) ?? 0;
      const { byStart, byEnd } = buckets(node, segmentAt, from);
      let best: Drift | undefined;
      for (const map of [byStart, byEnd]) {
        for (const bucket of map.values()) {
          if (bucket.length < 2) continue;
          const found = bestCluster(bucket, from);
          if (found && (!best || found.requests > best.requests)) best = found;
        }
      }
      if (best) yield best;
    }
    for (const child of node.children.values()) {
      if (!isTail(child) && child.count >= 2) yield* visit(child);
    }
  };
  yield* visit(trie.root);
}

/**
 * A node's children's texts bucketed by their start (after the `from` characters they all share)
 * and by their end: two texts that differ in one short span share one or the other.
 */
function buckets(
  node: TrieNode,
  segmentAt: (local: number, depth: number) => Segment | undefined,
  from: number,
): { byStart: Map<string, Sibling[]>; byEnd: Map<string, Sibling[]> } {
  const depth = node.depth + 1;
  const byStart = new Map<string, Sibling[]>();
  const byEnd = new Map<string, Sibling[]>();
  const { start, end } = sharedKeys(node, depth, segmentAt);
  for (const child of node.children.values()) {
    const request = isTail(child) ? child.request : child.representative;
    const segment = segmentAt(request, depth);
    // Only texts whose start (or end) another sibling may have are read: a slim segment keeps
    // hashes of both, so a node with a million unique children reads none of their texts.
    const hashes = slimKeys(segment);
    const inStart = hashes === undefined || start.has(hashes[0]);
    const inEnd = hashes === undefined || end.has(hashes[1]);
    if (!inStart && !inEnd) continue;
    const text = textOf(segment);
    if (text === undefined || text.length < MIN_TEXT_CHARS) continue;
    const sibling = { text, count: isTail(child) ? 1 : child.count, label: segment!.label };
    for (const [map, key, wanted] of [
      [byStart, text.slice(from, from + KEY_CHARS), inStart],
      [byEnd, text.slice(-KEY_CHARS), inEnd],
    ] as const) {
      if (!wanted) continue;
      const list = map.get(key);
      if (list) list.push(sibling);
      else map.set(key, [sibling]);
    }
  }
  return { byStart, byEnd };
}
