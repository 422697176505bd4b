/**
 * Token counts for OpenAI models with their own encoding: js-tiktoken's `o200k_base` (the GPT-4o,
 * GPT-4.1 and GPT-5 encoding). Each distinct text is counted once. A few tokens of message framing
 * are added per message (role and separators), an estimate.
 */
import { createRequire } from "node:module";
import { Tiktoken, type TiktokenBPE } from "js-tiktoken/lite";
import type { OpenAISegment } from "./segments.js";

/** Framing tokens per message or item (role marker and separators): an estimate. */
export const MESSAGE_OVERHEAD_TOKENS = 3;

/**
 * The encoder, built once per process on first use: the o200k ranks are loaded only then (they
 * take about 130 ms to load and seconds to build), so importing this module costs nothing.
 */
let shared: Tiktoken | undefined;

function encoder(): Tiktoken {
  if (shared === undefined) {
    const ranks = createRequire(import.meta.url)("js-tiktoken/ranks/o200k_base") as TiktokenBPE;
    shared = new Tiktoken(ranks);
  }
  return shared;
}

/** Counts text with `o200k_base`, memoised by text. */
export class O200kCounter {
  readonly name = "o200k_base";
  readonly #memo = new Map<string, number>();

  /** Tokens of a text. */
  text(text: string): number {
    if (text === "") return 0;
    let n = this.#memo.get(text);
    if (n === undefined) {
      n = encoder().encode(text, [], []).length;
      if (this.#memo.size > 200_000) this.#memo.clear();
      this.#memo.set(text, n);
    }
    return n;
  }

  /** Tokens of one segment, framing included on the first part of a message. */
  segment(s: Pick<OpenAISegment, "text" | "imageTokens" | "location">): number {
    const first = s.location.kind === "item" && s.location.part <= 0;
    return this.text(s.text) + s.imageTokens + (first ? MESSAGE_OVERHEAD_TOKENS : 0);
  }
}
