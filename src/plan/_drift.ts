/**
 * Prefix drift (internal): requests whose blocks at the same place are nearly identical text that
 * differs in a short span, such as a timestamp or an id interpolated into an otherwise shared
 * system prompt. Such drift silently breaks caching (reference §1.1 "common mistake", §1.6 "other
 * silent invalidators").
 */
import type { Segment } from "../request/segments.js";
import { isTail, type PrefixTrie, type TrieNode } from "./_trie.js";

/** Only blocks at least this long are compared. */
const MIN_TEXT_CHARS = 200;
/** The differing span must be at most this long... */
const MAX_DIFF_CHARS = 80;
/** ...and the common start and end at least this share of the text. */
const MIN_COMMON_SHARE = 0.9;
/** Siblings compared at each branching point. */
const MAX_SIBLINGS = 16;
/** Characters of context shown around a differing span. */
const CONTEXT_CHARS = 12;

export interface Drift {
  segment: string;
  requests: number;
  variants: number;
  sample: [string, string];
}

function textOf(segment: Segment | undefined): string | undefined {
  if (!segment || segment.level === "tools") return undefined;
  const { type, text } = segment.block;
  return type === "text" && typeof text === "string" ? text : undefined;
}

function diffSpan(a: string, b: string): { start: number; endA: number; endB: number } {
  let start = 0;
  const max = Math.min(a.length, b.length);
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let ea = a.length;
  let eb = b.length;
  while (ea > start && eb > start && a.charCodeAt(ea - 1) === b.charCodeAt(eb - 1)) {
    ea--;
    eb--;
  }
  return { start, endA: ea, endB: eb };
}

export function* detectDrift(
  trie: PrefixTrie,
  segmentAt: (local: number, depth: number) => Segment | undefined,
): Generator<Drift> {
  const visit = function* (node: TrieNode): Generator<Drift> {
    if (node.children.size >= 2) {
      const depth = node.depth + 1;
      const siblings: Array<{ text: string; count: number }> = [];
      let label = "";
      for (const child of node.children.values()) {
        if (siblings.length >= MAX_SIBLINGS) break;
        const request = isTail(child) ? child.request : child.representative;
        const segment = segmentAt(request, depth);
        const text = textOf(segment);
        if (text === undefined || text.length < MIN_TEXT_CHARS) continue;
        label ||= segment!.label;
        siblings.push({ text, count: isTail(child) ? 1 : child.count });
      }
      const first = siblings[0];
      if (first) {
        let variants = 1;
        let requests = first.count;
        let sample: [string, string] | undefined;
        for (const other of siblings.slice(1)) {
          const { start, endA, endB } = diffSpan(first.text, other.text);
          const shorter = Math.min(first.text.length, other.text.length);
          const common = start + (first.text.length - endA);
          if (
            endA - start <= MAX_DIFF_CHARS &&
            endB - start <= MAX_DIFF_CHARS &&
            common >= shorter * MIN_COMMON_SHARE
          ) {
            variants += 1;
            requests += other.count;
            sample ??= [
              first.text.slice(Math.max(0, start - CONTEXT_CHARS), endA + CONTEXT_CHARS),
              other.text.slice(Math.max(0, start - CONTEXT_CHARS), endB + CONTEXT_CHARS),
            ];
          }
        }
        if (sample) yield { segment: label, requests, variants, sample };
      }
    }
    for (const child of node.children.values()) {
      if (!isTail(child) && child.count >= 2) yield* visit(child);
    }
  };
  yield* visit(trie.root);
}
