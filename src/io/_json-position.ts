/**
 * Where a JSON text stops being valid (internal): `JSON.parse` in Node 20 gives a position for
 * some errors only, and echoes the text around others. This scanner finds the offset of the first
 * error itself, iteratively (an explicit stack, no recursion), so deep nesting cannot overflow.
 */

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// A string: no raw control characters, only the escapes JSON allows. Each run of plain characters
// is taken whole and never given back (a lookahead captures it, a backreference consumes it: an
// atomic group): an unterminated string fails in linear time, where `(?:[^"]+)*` backtracked
// through every way of splitting it and hung on a long one.
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids them raw in strings.
const STRING = /"(?:(?=([^"\\\u0000-\u001f]+))\1|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

function match(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.test(text) ? pattern.lastIndex : -1;
}

/** The offset of the first syntax error in `text`, or `-1` when it is valid JSON. */
export function jsonErrorOffset(text: string): number {
  const stack: Array<"{" | "["> = [];
  let i = 0;
  // What the scanner expects next.
  let expect: "value" | "value-or-close" | "key" | "key-or-close" | "after-value" = "value";
  const skip = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i += 1;
  };
  for (;;) {
    skip();
    if (i >= text.length) return expect === "after-value" && stack.length === 0 ? -1 : i;
    const c = text[i]!;
    if (expect === "after-value") {
      const top = stack.at(-1);
      if (top === undefined) return i;
      if (c === ",") {
        i += 1;
        expect = top === "{" ? "key" : "value";
      } else if ((c === "}" && top === "{") || (c === "]" && top === "[")) {
        i += 1;
        stack.pop();
      } else return i;
      continue;
    }
    if ((expect === "value-or-close" && c === "]") || (expect === "key-or-close" && c === "}")) {
      i += 1;
      stack.pop();
      expect = "after-value";
      continue;
    }
    if (expect === "key" || expect === "key-or-close") {
      const end = match(STRING, text, i);
      if (end < 0) return i;
      i = end;
      skip();
      if (text[i] !== ":") return i;
      i += 1;
      expect = "value";
      continue;
    }
    if (c === "{" || c === "[") {
      stack.push(c);
      i += 1;
      expect = c === "{" ? "key-or-close" : "value-or-close";
      continue;
    }
    let end = -1;
    if (c === '"') end = match(STRING, text, i);
    else if (c === "-" || (c >= "0" && c <= "9")) end = match(NUMBER, text, i);
    else
      for (const word of ["true", "false", "null"])
        if (text.startsWith(word, i)) end = i + word.length;
    if (end < 0) return i;
    i = end;
    expect = "after-value";
  }
}

/** 1-based line and column of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line += 1;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}
