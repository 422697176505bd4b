/**
 * One line of a JSONL file with its byte offset (internal): what the planner's index pass reads
 * (`plan/_pool.ts` cuts the file into chunks of whole lines), so that the copy pass can read each
 * accepted line again by its offset instead of keeping it. A line is decoded as strict UTF-8
 * (`_utf8-lines.ts`) and parsed as `readJsonl()` parses it (`readLine`); a blank line gives nothing.
 */
import { isUtf8 } from "node:buffer";
import { firstInvalidUtf8 } from "./_utf8-lines.js";
import { readLine } from "./jsonl.js";
import { JsonlLine } from "./jsonl-line.js";

/** A parsed line and where its bytes are (without the line end). */
export class IndexedLine extends JsonlLine {
  /** Byte offset of the line in the file. */
  readonly offset: number;
  /** Byte length of the line, without `\n` (and a `\r` before it). */
  readonly length: number;

  constructor(base: JsonlLine, offset: number, length: number) {
    super(base.line, base.source, base.value, base.parseError, base.problem);
    this.offset = offset;
    this.length = length;
  }
}

/** Parses one raw line as `readJsonl()` would; undefined for a blank line. */
export function indexLine(
  raw: { bytes: Buffer; line: number; offset: number },
  source: string,
): IndexedLine | undefined {
  let { bytes } = raw;
  if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
  const bad = firstInvalidUtf8Fast(bytes);
  const parsed = readLine(
    bad === undefined
      ? { text: bytes.toString("utf8") }
      : {
          invalid: {
            lineOffset: bad.offset,
            fileOffset: raw.offset + bad.offset,
            bytes: Buffer.from(bytes.subarray(bad.offset, bad.offset + bad.length)),
          },
        },
    raw.line,
    source,
  );
  return parsed === undefined ? undefined : new IndexedLine(parsed, raw.offset, bytes.length);
}

function firstInvalidUtf8Fast(bytes: Buffer): { offset: number; length: number } | undefined {
  return isUtf8Buffer(bytes) ? undefined : firstInvalidUtf8(bytes);
}

function isUtf8Buffer(bytes: Buffer): boolean {
  return bytes.length === 0 || isUtf8(bytes);
}
