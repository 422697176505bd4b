/**
 * A deterministic token counter for tests, so that expected plans can be checked by hand:
 *
 * - a block with a string `text` counts one token per whitespace-separated word of `text`;
 * - otherwise a block with a string `description` (a tool definition) counts the words of
 *   `description`;
 * - any other block counts `OTHER_BLOCK_TOKENS`.
 *
 * It does not memoise: every call is recorded, so a test can assert that the planner asks for
 * each distinct segment once.
 */
import type { SegmentCountRequest, TokenCounter } from "../../src/exports/tokens.js";

/** Tokens of a block that has neither `text` nor `description`. */
export const OTHER_BLOCK_TOKENS = 10;

/** Words of a string, split on whitespace. */
export function wordCount(text: string): number {
  const trimmed = text.trim();
  return trimmed === "" ? 0 : trimmed.split(/\s+/).length;
}

/** Tokens the word counter gives one block. */
export function blockTokens(block: Record<string, unknown>): number {
  if (typeof block.text === "string") return wordCount(block.text);
  if (typeof block.description === "string") return wordCount(block.description);
  return OTHER_BLOCK_TOKENS;
}

export interface WordCounter extends TokenCounter {
  /** Every `countSegments` call, in order. */
  readonly calls: SegmentCountRequest[][];
  /** How many times each segment hash was asked for, over all calls. */
  readonly asked: Map<string, number>;
}

export function createWordCounter(name = "words"): WordCounter {
  const calls: SegmentCountRequest[][] = [];
  const asked = new Map<string, number>();
  return {
    name,
    estimated: true,
    calls,
    asked,
    async countSegments(segments) {
      calls.push([...segments]);
      for (const s of segments) asked.set(s.hash, (asked.get(s.hash) ?? 0) + 1);
      return segments.map((s) => blockTokens(s.block));
    },
  };
}

/**
 * Text of exactly `count` words for the word counter: `tag` repeated. Texts of different tags
 * differ all along, so they never look like drift of one another (see `_drift.ts`).
 */
export function words(tag: string, count: number): string {
  if (count < 1) throw new Error("words(): count must be at least 1");
  return Array.from({ length: count }, () => tag).join(" ");
}
