/**
 * Trie paths with text pieces (internal, issue 13). A request's path is its segment keys, except
 * that a long plain text block at a place where requests branch is replaced by the keys of its
 * pieces (`_text-pieces.ts`): one key per piece but the last, then the block's own key. So the
 * node after the last piece of a block is the same prefix as before (same key, same length), and
 * the nodes between are the shared prefixes inside the block.
 *
 * Only blocks that can pay are cut: plain text (`type` and `text` only, `cache_control` aside) of at
 * least `MIN_CUT_CHARS`, right after a prefix (possibly empty) that at least `minPaying` requests
 * share and where they branch. Equal blocks after equal prefixes are always cut alike.
 */
import type { Segment, SegmentedRequest } from "../request/segments.js";
import type { TokenCounter } from "../tokens/counter.js";
import { hashText } from "../util/hash.js";
import { cutText, MIN_CUT_CHARS } from "./_text-pieces.js";
import { isTail, PrefixTrie, type TrieNode, type TrieRequest } from "./_trie.js";

/**
 * Tokens a counter adds to every block it counts (formatting around a block), measured with two
 * probes: `2 × count("x") − count("x x")` (4 with the offline estimate, 0 with a word counter). A
 * piece after the first is not a block of its own, so this is taken off its count: the pieces of a
 * block then add up to about the block's own count.
 */
export async function blockOverhead(counter: TokenCounter, model: string): Promise<number> {
  const [one, two] = await counter.countSegments([
    { hash: "probe:x", model, block: { type: "text", text: "x" } },
    { hash: "probe:x x", model, block: { type: "text", text: "x x" } },
  ]);
  return Math.max(0, 2 * one! - two!);
}

/** The pieces of one block: end offsets, and the key of each piece but the last. */
interface Cut {
  ends: number[];
  keys: string[];
}

/** The pieces of one block, memoised by the block's trie key. */
export type CutMemo = Map<string, Cut>;

/** One request's path when some of its blocks are cut. */
interface Expanded {
  keys: string[];
  markers: ("5m" | "1h" | null)[];
  /** Segment index of each key. */
  segment: number[];
  /** Offset where each key's piece ends inside its block, or -1 when the key ends the block. */
  cut: number[];
  /** Piece index of each key within its block (0 for a whole block). */
  piece: number[];
}

type Markers = readonly ("5m" | "1h" | null)[];

function plainText(segment: Segment): string | undefined {
  const { block } = segment;
  if (block.type !== "text" || typeof block.text !== "string") return undefined;
  for (const key in block) if (key !== "type" && key !== "text") return undefined;
  return block.text;
}

/** Paths of one model's requests, pieces included where they can pay. */
export class TextPaths {
  readonly requests: TrieRequest[];
  /** Whether any block was cut. */
  readonly anyCut: boolean;
  readonly #segments: readonly (readonly Segment[])[];
  readonly #expanded: (Expanded | undefined)[];

  /**
   * `base` are the requests' whole-segment paths; `minPaying` the fewest requests that can share
   * a prefix profitably (no cutting at all when infinite).
   */
  constructor(
    segmented: readonly SegmentedRequest[],
    base: readonly TrieRequest[],
    minPaying: number,
    cuts: CutMemo,
    roleOf: (local: number, segment: Segment) => string,
  ) {
    this.#segments = segmented.map((s) => s.segments);
    this.#expanded = new Array(base.length);
    const toCut = Number.isFinite(minPaying) ? this.#blocksToCut(base, minPaying) : new Map();
    for (const [local, set] of toCut) {
      this.#expanded[local] = this.#expand(local, set, base[local]!.markers, cuts, (s) =>
        roleOf(local, s),
      );
    }
    this.anyCut = toCut.size > 0;
    this.requests = base.map((b, local) => this.#expanded[local] ?? b);
  }

  /** Segment indices to cut, per request: at every branching prefix that enough requests share. */
  #blocksToCut(base: readonly TrieRequest[], minPaying: number): Map<number, Set<number>> {
    const out = new Map<number, Set<number>>();
    const trie = new PrefixTrie(base, 0);
    for (let i = 0; i < base.length; i++) trie.insert(i);
    const order = trie.depthFirst();
    const visit = (node: TrieNode) => {
      if (node.count < minPaying) return;
      if (node.children.size + (node.ends.length > 0 ? 1 : 0) >= 2) {
        for (let p = node.range[0]; p < node.range[1]; p++) {
          const local = order[p]!;
          const segment = this.#segments[local]![node.depth];
          const text = segment?.eligible ? plainText(segment) : undefined;
          if (text === undefined || text.length < MIN_CUT_CHARS) continue;
          const set = out.get(local) ?? new Set<number>();
          set.add(node.depth);
          out.set(local, set);
        }
      }
      for (const child of node.children.values()) if (!isTail(child)) visit(child);
    };
    visit(trie.root);
    return out;
  }

  #expand(
    local: number,
    set: Set<number>,
    markers: Markers,
    cuts: CutMemo,
    roleOf: (segment: Segment) => string,
  ): Expanded {
    const segments = this.#segments[local]!;
    const out: Expanded = { keys: [], markers: [], segment: [], cut: [], piece: [] };
    segments.forEach((segment, s) => {
      const cut = set.has(s) ? cutOf(segment, cuts, roleOf) : undefined;
      if (cut !== undefined) {
        cut.keys.forEach((key, j) => {
          out.keys.push(key);
          out.markers.push(null);
          out.segment.push(s);
          out.cut.push(cut.ends[j]!);
          out.piece.push(j);
        });
      }
      out.keys.push(segment.key);
      out.markers.push(markers[s] ?? null);
      out.segment.push(s);
      out.cut.push(-1);
      out.piece.push(cut === undefined ? 0 : cut.keys.length);
    });
    return out;
  }

  /** Index of the segment the key at 1-based `depth` belongs to. */
  segmentIndex(local: number, depth: number): number {
    return this.#expanded[local]?.segment[depth - 1] ?? depth - 1;
  }

  /** Where the key at `depth` ends inside its block (a split point), or -1 at the block's end. */
  cutAt(local: number, depth: number): number {
    return this.#expanded[local]?.cut[depth - 1] ?? -1;
  }

  /** Piece index of the key at `depth` within its block (0 for a whole block). */
  pieceIndex(local: number, depth: number): number {
    return this.#expanded[local]?.piece[depth - 1] ?? 0;
  }

  /** The segment the key at `depth` belongs to. */
  segment(local: number, depth: number): Segment {
    return this.#segments[local]![this.segmentIndex(local, depth)]!;
  }

  /** Whether a marker (or, for a piece, a split and a marker) may go after the key at `depth`. */
  eligible(local: number, depth: number, splitText: boolean): boolean {
    const segment = this.#segments[local]![this.segmentIndex(local, depth)];
    if (segment === undefined || !segment.eligible) return false;
    return this.cutAt(local, depth) < 0 || splitText;
  }

  /** What to count for the key at `depth`: the piece for a split point, else the whole block. */
  countItem(local: number, depth: number): { hash: string; block: Record<string, unknown> } {
    const segment = this.segment(local, depth);
    const end = this.cutAt(local, depth);
    if (end < 0) return { hash: segment.contentHash, block: segment.block };
    const start = this.pieceIndex(local, depth) === 0 ? 0 : this.cutAt(local, depth - 1);
    const text = (segment.block.text as string).slice(start, end);
    return {
      hash: `piece:${this.#expanded[local]!.keys[depth - 1]}`,
      block: { type: "text", text },
    };
  }

  /**
   * Prefix tokens at `node` from its parent's and its own count: a piece adds its count (the
   * first piece of a block with the block overhead, later ones without); the key that ends a cut
   * block gives the tokens before the block plus the whole block's count, the same figure as
   * without cutting.
   */
  tokensAt(
    node: TrieNode,
    own: number,
    tokensOf: (node: TrieNode) => number,
    overhead: number,
  ): number {
    const local = node.representative;
    const piece = this.pieceIndex(local, node.depth);
    const parentTokens = node.parent && node.parent.depth > 0 ? tokensOf(node.parent) : 0;
    if (this.cutAt(local, node.depth) >= 0)
      return parentTokens + (piece === 0 ? own : Math.max(0, own - overhead));
    if (piece === 0) return parentTokens + own;
    let base: TrieNode | undefined = node;
    for (let k = 0; k <= piece && base; k++) base = base.parent;
    return (base && base.depth > 0 ? tokensOf(base) : 0) + own;
  }
}

function cutOf(
  segment: Segment,
  cuts: CutMemo,
  roleOf: (segment: Segment) => string,
): Cut | undefined {
  let cut = cuts.get(segment.key);
  if (cut === undefined) {
    const text = segment.block.text as string;
    const ends = cutText(text);
    const keys: string[] = [];
    let start = 0;
    for (let j = 0; j < ends.length - 1; j++) {
      const piece = text.slice(start, ends[j]);
      // The first piece carries the block's level and role (as the block's own hash does); later
      // ones are keyed under it in the trie, so their own text is enough.
      const hash =
        j === 0
          ? hashText(`${segment.level}\u0000${roleOf(segment)}\u0000${piece}`)
          : hashText(piece);
      keys.push(`${j === 0 ? "^" : "+"}${segment.key.slice(0, segment.key.indexOf(":"))}:${hash}`);
      start = ends[j]!;
    }
    cut = { ends, keys };
    cuts.set(segment.key, cut);
  }
  return cut.ends.length < 2 ? undefined : cut;
}
