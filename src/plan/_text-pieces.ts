/**
 * Content-defined pieces of a text (internal), so that texts sharing a prefix share a sequence of
 * pieces: the planner puts the pieces in the prefix trie as sub-segments and finds the shared part
 * of templated strings without comparing texts pairwise (issue 13).
 *
 * The boundary rule, applied left to right from the start of the text:
 * 1. a piece ends after a line end (`"\n"`), when the line fits in `PIECE_CAP` characters;
 * 2. a longer line is cut before the last run of spaces or tabs that starts within the cap, so the
 *    next piece starts with `" word"` (the way BPE tokenizers attach a space to the word after it);
 * 3. a line without whitespace in the cap is cut at the cap, one character earlier when that would
 *    split a surrogate pair.
 * Each boundary depends only on the text from the piece's start to at most `PIECE_CAP + 1`
 * characters on, so two texts equal up to character `n` have the same pieces up to the last
 * boundary before `n - PIECE_CAP - 1` (and up to their last shared line end).
 */

/** Most characters in a piece: a shared prefix is found to within this many characters. */
export const PIECE_CAP = 512;

/**
 * Shortest text worth cutting: ~256 tokens, half the smallest minimum cacheable length (512,
 * reference fact 4). A shared part inside a shorter block is too short to matter next to the
 * minimum, and skipping short blocks keeps the cutting off most unique tails.
 */
export const MIN_CUT_CHARS = 1024;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** End of the piece that starts at `start` (exclusive), by the boundary rule above. */
export function pieceEnd(text: string, start: number, cap: number): number {
  const limit = start + cap;
  if (text.length <= start + cap) {
    const nl = text.indexOf("\n", start);
    return nl < 0 ? text.length : nl + 1;
  }
  const nl = text.indexOf("\n", start);
  if (nl >= 0 && nl < limit) return nl + 1;
  // Before the last blank run starting inside the cap (not at the piece's own start).
  let cut = -1;
  for (let i = limit; i > start; i--) {
    if (isBlank(text.charCodeAt(i)) && !isBlank(text.charCodeAt(i - 1))) {
      cut = i;
      break;
    }
  }
  if (cut > start) return cut;
  return isHighSurrogate(text.charCodeAt(limit - 1)) ? limit - 1 : limit;
}

/**
 * End offsets (exclusive) of the pieces of `text`, the last one `text.length`; empty for an empty
 * text. Concatenating the pieces gives the text back; no piece is empty, none ends inside a
 * surrogate pair.
 */
export function cutText(text: string, cap = PIECE_CAP): number[] {
  const ends: number[] = [];
  let start = 0;
  while (start < text.length) {
    start = pieceEnd(text, start, Math.max(2, cap));
    ends.push(start);
  }
  return ends;
}

/**
 * The pieces of one text, cut only as far as asked (`end(j)`): the planner cuts a block only
 * while enough requests still share its pieces, so the unique rest of a long text is never cut.
 * Gives the same ends as {@link cutText}.
 */
export class LazyPieces {
  readonly text: string;
  readonly #ends: number[];

  /** `ends`: the ends found so far (extended in place, so a memo can keep them without the text). */
  constructor(text: string, ends: number[] = []) {
    this.text = text;
    this.#ends = ends;
  }

  /** End of piece `j` (exclusive), or -1 when the text has no piece `j`. */
  end(j: number): number {
    while (this.#ends.length <= j) {
      const start = this.#ends.length === 0 ? 0 : this.#ends[this.#ends.length - 1]!;
      if (start >= this.text.length) return -1;
      this.#ends.push(pieceEnd(this.text, start, PIECE_CAP));
    }
    return this.#ends[j]!;
  }

  /** Whether piece `j` is the text's last (a piece that ends the block is never a split point). */
  isLast(j: number): boolean {
    return this.end(j) === this.text.length;
  }

  /** The text of piece `j` (which must exist). */
  piece(j: number): string {
    return this.text.slice(j === 0 ? 0 : this.end(j - 1), this.end(j));
  }
}
