/**
 * Prefix drift (internal): sibling segments that are nearly the same long text and differ in a
 * short span, such as a date or an id interpolated early in an otherwise shared prompt. OpenAI
 * caches exact prefixes and routes by the first ~256 tokens (reference §4.6), so such a span
 * breaks caching of everything after it. Siblings are bucketed by their first and last characters
 * so a node with thousands of children costs one pass.
 */
import {
  DRIFT_CONTEXT_CHARS as CONTEXT_CHARS,
  diffSpan,
  DRIFT_KEY_CHARS as KEY_CHARS,
  DRIFT_MAX_DIFF_CHARS as MAX_DIFF_CHARS,
  DRIFT_MAX_PER_BUCKET as MAX_PER_BUCKET,
  DRIFT_MIN_COMMON_SHARE as MIN_COMMON_SHARE,
  DRIFT_MIN_TEXT_CHARS as MIN_TEXT_CHARS,
} from "../../request/drift-rule.js";
import type { OANode, OATrie } from "./_trie.js";
import type { OpenAISegment } from "./segments.js";

/** About 256 tokens of English: a span before this changes the request's routing too. */
const ROUTING_CHARS = 1000;

export interface OpenAIDrift {
  segment: string;
  requests: number;
  sample: [string, string];
  early: boolean;
}

function show(text: string, from: number, to: number): string {
  const a = Math.max(0, from - CONTEXT_CHARS);
  const b = Math.min(text.length, to + CONTEXT_CHARS);
  return `${a > 0 ? "…" : ""}${text.slice(a, b)}${b < text.length ? "…" : ""}`;
}

/** Drifting sibling texts, at most `limit` findings. */
export function findDrift(trie: OATrie, segments: OpenAISegment[][], limit = 5): OpenAIDrift[] {
  const out: OpenAIDrift[] = [];
  const visit = (node: OANode): void => {
    if (out.length >= limit) return;
    if (node.children.size >= 2) compare(node);
    for (const child of node.children.values())
      if (child.requests.length >= 2 || child.children.size > 0) visit(child);
  };
  const compare = (node: OANode) => {
    const buckets = new Map<string, { text: string; child: OANode }[]>();
    for (const child of node.children.values()) {
      const seg = segments[child.requests[0]!]![child.depth - 1]!;
      if (seg.level === "tools" || seg.text.length < MIN_TEXT_CHARS) continue;
      for (const key of [`s${seg.text.slice(0, KEY_CHARS)}`, `e${seg.text.slice(-KEY_CHARS)}`]) {
        const list = buckets.get(key) ?? [];
        if (list.length < MAX_PER_BUCKET) list.push({ text: seg.text, child });
        buckets.set(key, list);
      }
    }
    const reported = new Set<OANode>();
    for (const list of buckets.values()) {
      for (let i = 1; i < list.length && out.length < limit; i++) {
        const a = list[0]!;
        const b = list[i]!;
        if (reported.has(b.child)) continue;
        const d = diffSpan(a.text, b.text);
        const diff = Math.max(d.endA, d.endB) - d.start;
        const common = a.text.length - (d.endA - d.start);
        if (diff > MAX_DIFF_CHARS || common < MIN_COMMON_SHARE * a.text.length) continue;
        reported.add(b.child);
        const seg = segments[a.child.requests[0]!]![a.child.depth - 1]!;
        out.push({
          segment: seg.label,
          requests: list.reduce((s, x) => s + x.child.requests.length, 0),
          sample: [show(a.text, d.start, d.endA), show(b.text, d.start, d.endB)],
          early: a.child.depth <= 2 && d.start < ROUTING_CHARS,
        });
        break;
      }
    }
  };
  visit(trie.root);
  return out;
}
