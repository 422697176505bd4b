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
import { LazyPieces, MIN_CUT_CHARS } from "./_text-pieces.js";
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

/**
 * The pieces of one block found so far: end offsets, and the trie key of each piece cut so far
 * (never the last piece: the block's own key ends its path).
 */
interface Cut {
  ends: number[];
  keys: string[];
}

/** The pieces of each block cut so far, memoised by the block's trie key (no text kept). */
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

/** One distinct block after a branching prefix: its pieces and the requests that have it. */
interface Distinct {
  key: string;
  cut: Cut;
  pieces: LazyPieces;
  /** What the first piece's key folds in: level, context and the segment's folded context. */
  head: string;
  locals: number[];
}

/** Pieces to cut, per request: segment index → how many pieces. */
type ToCut = Map<number, Map<number, number>>;

/** Paths of one model's requests, pieces included where they can pay. */
export class TextPaths {
  readonly requests: TrieRequest[];
  /** Whether any block was cut. */
  readonly anyCut: boolean;
  readonly #segments: readonly (readonly Segment[])[];
  readonly #expanded: (Expanded | undefined)[];

  /**
   * `base` are the requests' whole-segment paths; `minPaying` the fewest requests that can share
   * a prefix profitably (no cutting at all when infinite). `saltOf` gives what a segment's hash
   * folds in besides its block (`foldedContext` of request/segments.ts: the role, a tool_result's
   * fields); `mayCut`, when given, rules out blocks known to share no first piece.
   */
  constructor(
    segmented: readonly SegmentedRequest[],
    base: readonly TrieRequest[],
    minPaying: number,
    cuts: CutMemo,
    saltOf: (local: number, segment: Segment) => string,
    mayCut?: (local: number, segment: number) => boolean,
  ) {
    this.#segments = segmented.map((s) => s.segments);
    this.#expanded = new Array(base.length);
    const toCut: ToCut = new Map();
    if (Number.isFinite(minPaying)) {
      for (const group of this.#branchBlocks(base, minPaying, cuts, saltOf, mayCut)) {
        cutShared(group.blocks, minPaying, (d, count) => {
          for (const local of d.locals) {
            const set = toCut.get(local) ?? new Map<number, number>();
            set.set(group.segment, count);
            toCut.set(local, set);
          }
        });
      }
    }
    for (const [local, set] of toCut) {
      this.#expanded[local] = this.#expand(local, set, base[local]!.markers, cuts);
    }
    this.anyCut = toCut.size > 0;
    this.requests = base.map((b, local) => this.#expanded[local] ?? b);
  }

  /**
   * The long plain text blocks right after each prefix that at least `minPaying` requests share
   * and where they branch, grouped by distinct block (equal blocks after one prefix are one).
   */
  *#branchBlocks(
    base: readonly TrieRequest[],
    minPaying: number,
    cuts: CutMemo,
    saltOf: (local: number, segment: Segment) => string,
    mayCut: ((local: number, segment: number) => boolean) | undefined,
  ): Generator<{ segment: number; blocks: Distinct[] }> {
    const trie = new PrefixTrie(base, 0);
    for (let i = 0; i < base.length; i++) trie.insert(i);
    const order = trie.depthFirst();
    const stack: TrieNode[] = [trie.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (const child of node.children.values()) {
        if (!isTail(child) && child.count >= minPaying) stack.push(child);
      }
      if (node.count < minPaying || node.children.size + (node.ends.length > 0 ? 1 : 0) < 2)
        continue;
      const byKey = new Map<string, Distinct>();
      const skipped = new Set<string>();
      for (let p = node.range[0]; p < node.range[1]; p++) {
        const local = order[p]!;
        const segment = this.#segments[local]![node.depth];
        if (segment === undefined || !segment.eligible || skipped.has(segment.key)) continue;
        const known = byKey.get(segment.key);
        if (known !== undefined) {
          known.locals.push(local);
          continue;
        }
        const text =
          mayCut === undefined || mayCut(local, node.depth) ? plainText(segment) : undefined;
        if (text === undefined || text.length < MIN_CUT_CHARS) {
          skipped.add(segment.key);
          continue;
        }
        let cut = cuts.get(segment.key);
        if (cut === undefined) {
          cut = { ends: [], keys: [] };
          cuts.set(segment.key, cut);
        }
        const ctx = segment.key.slice(0, segment.key.indexOf(":"));
        byKey.set(segment.key, {
          key: segment.key,
          cut,
          pieces: new LazyPieces(text, cut.ends),
          head: `${ctx}\u0000${segment.level}\u0000${saltOf(local, segment)}`,
          locals: [local],
        });
      }
      if (byKey.size >= 2) yield { segment: node.depth, blocks: [...byKey.values()] };
    }
  }

  #expand(local: number, set: Map<number, number>, markers: Markers, cuts: CutMemo): Expanded {
    const segments = this.#segments[local]!;
    const out: Expanded = { keys: [], markers: [], segment: [], cut: [], piece: [] };
    segments.forEach((segment, s) => {
      const count = set.get(s) ?? 0;
      const cut = count > 0 ? cuts.get(segment.key)! : undefined;
      for (let j = 0; j < count; j++) {
        out.keys.push(cut!.keys[j]!);
        out.markers.push(null);
        out.segment.push(s);
        out.cut.push(cut!.ends[j]!);
        out.piece.push(j);
      }
      out.keys.push(segment.key);
      out.markers.push(markers[s] ?? null);
      out.segment.push(s);
      out.cut.push(-1);
      out.piece.push(count);
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

/**
 * Cuts the distinct blocks after one branching prefix piece by piece, and only as far as they
 * share: at each step the blocks still together are bucketed by their next piece, and a bucket
 * goes on only while at least `minPaying` requests and 2 distinct blocks are in it (one block shared
 * by many is its own node already). A piece is hashed once per bucket, never per request, and the
 * unique rest of a text is never cut. Calls `emit(block, count)` with the pieces to put in its path.
 */
function cutShared(
  blocks: Distinct[],
  minPaying: number,
  emit: (block: Distinct, count: number) => void,
): void {
  const weight = (list: readonly Distinct[]) => list.reduce((n, d) => n + d.locals.length, 0);
  let groups: Distinct[][] = weight(blocks) >= minPaying ? [blocks] : [];
  const counts = new Map<Distinct, number>();
  for (let j = 0; groups.length > 0; j++) {
    const next: Distinct[][] = [];
    for (const group of groups) {
      const buckets = new Map<string, Distinct[]>();
      // Blocks come in trie order, so a block mostly has the piece of the one before: compared
      // in place (same end, same head, `startsWith`) without building a key for it.
      let last: { piece: string; head: string; end: number; bucket: Distinct[] } | undefined;
      for (const d of group) {
        const end = d.pieces.end(j);
        if (end < 0 || d.pieces.isLast(j)) continue;
        const start = j === 0 ? 0 : d.pieces.end(j - 1);
        if (
          last !== undefined &&
          last.end === end &&
          (j > 0 || last.head === d.head) &&
          d.pieces.text.startsWith(last.piece, start)
        ) {
          last.bucket.push(d);
          continue;
        }
        const piece = d.pieces.piece(j);
        const bucketKey = j === 0 ? `${d.head}\u0000${piece}` : piece;
        let bucket = buckets.get(bucketKey);
        if (bucket === undefined) {
          bucket = [];
          buckets.set(bucketKey, bucket);
        }
        bucket.push(d);
        last = { piece, head: d.head, end, bucket };
      }
      for (const [bucketKey, bucket] of buckets) {
        if (bucket.length < 2 || weight(bucket) < minPaying) continue;
        // The first piece carries the block's level, context and folded role (as the block's
        // own hash does); later ones are keyed under it in the trie, so their text is enough.
        const ctx = bucket[0]!.key.slice(0, bucket[0]!.key.indexOf(":"));
        const key = `${j === 0 ? "^" : "+"}${ctx}:${hashText(bucketKey)}`;
        for (const d of bucket) {
          d.cut.keys[j] ??= key;
          counts.set(d, j + 1);
        }
        next.push(bucket);
      }
    }
    groups = next;
  }
  for (const [d, count] of counts) emit(d, count);
}
