import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { InputError } from "../errors.js";

/**
 * One line of a JSONL file, parsed or not. `plan()` accepts these in place of plain request
 * objects so that a rejection can name the file and line it came from.
 */
export class JsonlLine {
  /** 1-based line number in the source. */
  readonly line: number;
  /** The file it came from (`"-"` for standard input), if known. */
  readonly source: string | undefined;
  /** The parsed value, when the line is valid JSON. */
  readonly value: unknown;
  /** Why the line is not valid JSON, when it is not. */
  readonly parseError: string | undefined;

  constructor(line: number, source: string | undefined, value: unknown, parseError?: string) {
    this.line = line;
    this.source = source;
    this.value = value;
    this.parseError = parseError;
  }
}

/**
 * Streams a JSONL file (or stream) one line at a time, without loading it whole. Blank lines are
 * skipped but still counted, so line numbers match what an editor shows. A line that is not valid
 * JSON is yielded with `parseError` set: the planner rejects it with its line number rather than
 * stopping the whole job.
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
    stream = createReadStream(input, { encoding: "utf8" });
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
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const raw of lines) {
    n += 1;
    const text = n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (text.trim() === "") continue;
    try {
      const value: unknown = JSON.parse(text);
      yield new JsonlLine(n, source, intern ? intern.walk(value) : value);
    } catch (error) {
      yield new JsonlLine(n, source, undefined, (error as Error).message);
    }
  }
}

/**
 * Makes equal long strings one string. Each JSONL line parses to its own copy of a shared system
 * prompt or document, so a job of 100,000 requests sharing a 100 KB prompt would hold 10 GB; with
 * interning it holds one copy (the parsed duplicates are garbage at once).
 */
export class StringInterner {
  /** Strings shorter than this are left alone: a lookup costs more than the copy. */
  static readonly MIN_LENGTH = 256;
  readonly #strings = new Map<string, string>();

  /** The canonical instance of `text`. */
  intern(text: string): string {
    if (text.length < StringInterner.MIN_LENGTH) return text;
    const known = this.#strings.get(text);
    if (known !== undefined) return known;
    this.#strings.set(text, text);
    return text;
  }

  /** Replaces, in place, every long string inside parsed JSON with its canonical instance. */
  walk(value: unknown): unknown {
    if (typeof value === "string") return this.intern(value);
    if (typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.walk(value[i]);
      return value;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const v = record[key];
      if (typeof v === "string") {
        if (v.length >= StringInterner.MIN_LENGTH) record[key] = this.intern(v);
      } else if (typeof v === "object" && v !== null) {
        this.walk(v);
      }
    }
    return value;
  }
}
