/**
 * Lines of a JSONL file with their byte offsets (internal): what the planner's index pass reads,
 * so that the copy pass can read each accepted line again by its offset instead of keeping it.
 * Lines are read in large chunks and decoded as strict UTF-8 (`_utf8-lines.ts`); each line is
 * parsed as `readJsonl()` parses it (`readLine`), blank lines skipped but counted.
 */
import { isUtf8 } from "node:buffer";
import { open } from "node:fs/promises";
import { InputError } from "../errors.js";
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

const CHUNK = 4 * 2 ** 20;

/** The raw lines of a file: each line's bytes, 1-based number and byte offset. */
export async function* rawLines(
  file: string,
  source: string,
): AsyncGenerator<{ bytes: Buffer; line: number; offset: number }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : (error as Error).message;
    throw new InputError(
      `Cannot read requests from \`${source}\`: ${why}. Check the path; pass \`-\` to read standard input.`,
      source,
      { cause: error },
    );
  }
  try {
    let pending = Buffer.alloc(0);
    let pendingOffset = 0;
    let position = 0;
    let line = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      let got: number;
      try {
        ({ bytesRead: got } = await handle.read(chunk, 0, CHUNK, position));
      } catch (error) {
        const isDir = (error as NodeJS.ErrnoException).code === "EISDIR";
        throw new InputError(
          `Cannot read requests from \`${source}\`: ${isDir ? "it is a folder" : (error as Error).message}. Check the path; pass \`-\` to read standard input.`,
          source,
          { cause: error },
        );
      }
      if (got === 0) break;
      position += got;
      const data =
        pending.length === 0
          ? chunk.subarray(0, got)
          : Buffer.concat([pending, chunk.subarray(0, got)]);
      let start = 0;
      for (;;) {
        const nl = data.indexOf(0x0a, start);
        if (nl < 0) break;
        line += 1;
        yield { bytes: data.subarray(start, nl), line, offset: pendingOffset + start };
        start = nl + 1;
      }
      pending = Buffer.from(data.subarray(start));
      pendingOffset += start;
    }
    if (pending.length > 0) yield { bytes: pending, line: line + 1, offset: pendingOffset };
  } finally {
    await handle.close();
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

/** Every line of a JSONL file, parsed, with its byte offset and length. */
export async function* readIndexedLines(file: string, source: string): AsyncGenerator<IndexedLine> {
  for await (const raw of rawLines(file, source)) {
    const line = indexLine(raw, source);
    if (line !== undefined) yield line;
  }
}
