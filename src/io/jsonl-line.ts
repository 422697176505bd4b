/** One line of a JSONL input, parsed or not: what `readJsonl()` yields and `plan()` accepts. */

/**
 * Why a line could not be read: not JSON, bytes that are not UTF-8, or nesting past
 * `MAX_JSON_DEPTH` (each also a `RejectReason` of the same name).
 */
export type JsonlProblem = "invalid-json" | "invalid-utf8" | "too-deep";

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
  /**
   * Why the line could not be read, when it could not: the parser's message for invalid JSON, or
   * a full sentence (what is wrong, where, what to do) for the other problems.
   */
  readonly parseError: string | undefined;
  /** Which problem `parseError` describes (`"invalid-json"` when set without one). */
  readonly problem: JsonlProblem | undefined;

  constructor(
    line: number,
    source: string | undefined,
    value: unknown,
    parseError?: string,
    problem?: JsonlProblem,
  ) {
    this.line = line;
    this.source = source;
    this.value = value;
    this.parseError = parseError;
    this.problem = parseError === undefined ? undefined : (problem ?? "invalid-json");
  }
}
