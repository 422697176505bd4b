import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { InputError } from "../errors.js";
import { depthBeyond, MAX_JSON_DEPTH, tooDeepReason } from "../request/json-depth.js";
import { StringInterner } from "../util/string-interner.js";
import { type RawLine, utf8Lines } from "./_utf8-lines.js";
import { JsonlLine } from "./jsonl-line.js";

// Re-exported: `readJsonl()` yields them.
export { JsonlLine, type JsonlProblem } from "./jsonl-line.js";

/**
 * Streams a JSONL file (or stream) one line at a time, without loading it whole. Blank lines are
 * skipped but still counted, so line numbers match what an editor shows. A line that cannot be
 * read is yielded with `parseError` and `problem` set, and the planner rejects it with its line
 * number rather than stopping the whole job: a line that is not valid JSON, one whose bytes are
 * not UTF-8 (never repaired with U+FFFD: the request sent must be the request given), and one
 * nested deeper than `MAX_JSON_DEPTH` (so nothing that walks a value recursively can overflow the
 * stack). Every `value` yielded is within that bound.
 */
/**
 * With `intern: true`, equal long strings of different lines become one string: use it when the
 * values are kept (as `plan()` and `readPlan()` do themselves); leave it off when streaming, or
 * every distinct long string is remembered until the read ends.
 */
export async function* readJsonl(
  input: string | Readable,
  options: { source?: string; intern?: boolean } = {},
): AsyncGenerator<JsonlLine> {
  const intern = options.intern === true ? new StringInterner() : undefined;
  const source = options.source ?? (typeof input === "string" ? input : undefined);
  let stream: Readable;
  if (typeof input === "string") {
    stream = createReadStream(input);
  } else {
    stream = input;
  }
  const opened = new Promise<void>((resolve, reject) => {
    stream.once("error", reject);
    stream.once("readable", resolve);
    stream.once("end", resolve);
  });
  try {
    await opened;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a folder"
          : code === "EACCES"
            ? "permission denied"
            : (error as Error).message;
    throw new InputError(
      `Cannot read requests from \`${source ?? "stream"}\`: ${why}. Check the path; pass \`-\` to read standard input.`,
      source,
      { cause: error },
    );
  }
  let n = 0;
  for await (const raw of utf8Lines(stream)) {
    n += 1;
    const line = readLine(raw, n, source);
    if (line === undefined) continue;
    if (intern && line.parseError === undefined) {
      yield new JsonlLine(n, source, intern.walk(line.value));
    } else {
      yield line;
    }
  }
}

/** Parses one line; undefined for a blank one. */
export function readLine(
  raw: RawLine,
  n: number,
  source: string | undefined,
): JsonlLine | undefined {
  if (raw.invalid !== undefined) {
    const { lineOffset, fileOffset, bytes } = raw.invalid;
    const hex = [...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" ");
    const what = bytes.length === 1 ? `byte ${hex} is` : `bytes ${hex} are`;
    return new JsonlLine(
      n,
      source,
      undefined,
      `Not valid UTF-8: at offset ${lineOffset.toLocaleString("en-US")} of the line (offset ${fileOffset.toLocaleString("en-US")} of the file, both counted from 0) ${what} not a UTF-8 character (another encoding, such as Latin-1, or a cut or overlong sequence). Save the file as UTF-8; the line is not planned, because replacing the bytes would change the request.`,
      "invalid-utf8",
    );
  }
  const text = n === 1 && raw.text.charCodeAt(0) === 0xfeff ? raw.text.slice(1) : raw.text;
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return new JsonlLine(n, source, undefined, (error as Error).message);
  }
  // V8's JSON.parse does not recurse, so any depth parses; what walks the value later does.
  if (depthBeyond(value, MAX_JSON_DEPTH) > 0) {
    return new JsonlLine(n, source, undefined, tooDeepReason(MAX_JSON_DEPTH), "too-deep");
  }
  return new JsonlLine(n, source, value);
}
