import fc from "fast-check";
import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import { describe, expect, it } from "vitest";
import { countPieces } from "../../src/tokens/tiktoken.js";

const encoder = new Tiktoken(cl100k);
const direct = (text: string) => encoder.encode(text, [], []).length;

describe("countPieces", () => {
  it("counts exactly what js-tiktoken counts for the whole text", () => {
    // Texts built from the kinds of characters the pre-tokenizer treats differently: letters,
    // digits, spaces, newlines, punctuation, apostrophe suffixes, non-Latin scripts, emoji.
    const pieces = fc.constantFrom(
      "hello",
      "World",
      " ",
      "  ",
      "\n",
      "\r\n",
      "\t",
      "123",
      "4567",
      "'s",
      "'ll",
      "!",
      "?!",
      "...",
      "é",
      "日本語",
      "😀",
      "<|endoftext|>",
      "-",
      "_",
      "\u00a0",
      "  \n ",
      "a1b2",
      "ß",
      "İ",
    );
    fc.assert(
      fc.property(
        fc.array(pieces, { maxLength: 40 }).map((a) => a.join("")),
        (text) => {
          expect(countPieces(encoder, text)).toBe(direct(text));
        },
      ),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => {
        expect(countPieces(encoder, text)).toBe(direct(text));
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same count the second time, from the cache", () => {
    const text = "The same paragraph, twice.\n\n  Indented line with 12345 numbers.";
    expect(countPieces(encoder, text)).toBe(direct(text));
    expect(countPieces(encoder, text)).toBe(direct(text));
  });
});
