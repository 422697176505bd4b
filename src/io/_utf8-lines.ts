import { isUtf8 } from "node:buffer";
import type { Readable } from "node:stream";

/**
 * Lines of a byte stream, decoded as strict UTF-8. A decoder that replaces bad bytes with U+FFFD
 * (what `readline` and `createReadStream(…, "utf8")` do) would make the request sent differ from
 * the request given, so a line holding bytes that are not UTF-8 is reported, never repaired.
 */

/** One line: its text, or where its first byte that is not UTF-8 is. */
export type RawLine =
  | { text: string; invalid?: undefined }
  | {
      text?: undefined;
      /** The first ill-formed bytes: their offset in the line and in the file (both from 0), and the bytes. */
      invalid: { lineOffset: number; fileOffset: number; bytes: Buffer };
    };

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Splits on `\n` (JSON Lines: "the line separator is `\n`", jsonlines.org; a `\r` before it is
 * dropped, so CRLF files read the same). Chunks are decoded in runs that end on a newline: a
 * newline byte is never part of a multi-byte UTF-8 sequence, so such a run validates on its own.
 * Fast path: one native `isUtf8` check and one decode per run; only a run that fails is
 * re-examined line by line. A string chunk (a stream with an encoding set) was decoded by whoever
 * produced it and is taken as it is.
 */
export async function* utf8Lines(stream: Readable): AsyncGenerator<RawLine> {
  let pending: Buffer[] = [];
  let offset = 0; // file offset of the first pending byte
  for await (const chunk of stream) {
    const bytes: Buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    const last = bytes.lastIndexOf(NEWLINE);
    if (last === -1) {
      if (bytes.length > 0) pending.push(bytes);
      continue;
    }
    const head = bytes.subarray(0, last + 1);
    const run = pending.length === 0 ? head : Buffer.concat([...pending, head]);
    pending = last + 1 < bytes.length ? [bytes.subarray(last + 1)] : [];
    yield* runLines(run, offset, false);
    offset += run.length;
  }
  if (pending.length > 0) yield* runLines(Buffer.concat(pending), offset, true);
}

/** The lines of `run`, which ends with a newline unless it is the end of the input. */
function* runLines(run: Buffer, offset: number, final: boolean): Generator<RawLine> {
  if (isUtf8(run)) {
    const text = run.toString("utf8");
    const end = final ? text.length : text.length - 1; // the newline ending the run
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      const stop = nl === -1 || nl > end ? end : nl;
      yield { text: withoutCr(text.slice(start, stop)) };
      if (stop >= end) return;
      start = stop + 1;
    }
  }
  let start = 0;
  while (start < run.length) {
    const nl = run.indexOf(NEWLINE, start);
    const stop = nl === -1 ? run.length : nl;
    const line = run.subarray(start, stop);
    const bad = isUtf8(line) ? undefined : firstInvalidUtf8(line);
    if (bad === undefined) {
      yield { text: withoutCr(line.toString("utf8")) };
    } else {
      yield {
        invalid: {
          lineOffset: bad.offset,
          fileOffset: offset + start + bad.offset,
          bytes: Buffer.from(line.subarray(bad.offset, bad.offset + bad.length)),
        },
      };
    }
    start = stop + 1;
  }
}

function withoutCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/**
 * The first ill-formed part of `bytes`, or undefined if they are all UTF-8: its offset, and its
 * length (the lead byte plus the continuation bytes that were right before the one that broke
 * the sequence, Unicode's "maximal subpart"). Well-formed means Unicode 15 §3.9 Table 3-7 (as
 * RFC 3629 §4): no overlong forms (C0, C1, E0 80–9F, F0 80–8F), no surrogates (ED A0–BF), nothing
 * above U+10FFFF (F4 90+, F5–FF), no stray continuation byte, no sequence cut short.
 */
export function firstInvalidUtf8(
  bytes: Uint8Array,
): { offset: number; length: number } | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) [need, lo] = [2, 0xa0];
    else if (b === 0xed) [need, hi] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) need = 2;
    else if (b === 0xf0) [need, lo] = [3, 0x90];
    else if (b === 0xf4) [need, hi] = [3, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else return { offset: i, length: 1 };
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c === undefined || c < min || c > max) return { offset: i, length: k };
    }
    i += need + 1;
  }
  return undefined;
}
