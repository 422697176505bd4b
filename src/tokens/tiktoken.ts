import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import { defaultModelTable, type ModelTable, type TokenizerFamily } from "../pricing/models.js";
import { UNKNOWN_MODEL_TOKENIZER } from "../pricing/unknown-model.js";
import type { SegmentCountRequest, TokenCounter } from "./counter.js";

/**
 * Claude's tokenizers are not public. cl100k_base is the stand-in; the factor per tokenizer family
 * scales its count. Claude 4.7 and later use a tokenizer that "produces approximately 30 percent
 * more tokens for the same text" (reference fact 5, PR-Q glossary 2026-10-09; H55).
 */
export const TOKENIZER_FACTORS: Readonly<Record<TokenizerFamily, number>> = {
  "claude-legacy": 1.0,
  "claude-2026": 1.3,
  // OpenAI models (src/targets/openai) are counted with o200k_base itself, not scaled cl100k.
  o200k: 1.0,
};

/** Formatting tokens around each block (role markers, separators): a small fixed estimate. */
const BLOCK_OVERHEAD_TOKENS = 4;
/** Image tokens ≈ width × height / 750, and a resized image stays near 1,600 tokens. */
const IMAGE_MAX_TOKENS = 1600;
/** A PDF page is rendered as an image plus its text: about 1,500 to 3,000 tokens a page. */
const PDF_TOKENS_PER_PAGE = 2300;

/** The cl100k pre-tokenizer: BPE runs on each piece it matches, independently. */
const PIECE_PATTERN = new RegExp(cl100k.pat_str, "gu");
/** Piece counts kept at most; past this the cache starts over (memory stays bounded). */
const MAX_CACHED_PIECES = 1_000_000;
const pieceCounts = new Map<string, number>();

/**
 * Token count of `text`, the same as `encoder.encode(text, [], []).length`, with each distinct
 * piece encoded once. tiktoken splits text with its pattern and encodes every piece on its own (no
 * special tokens are allowed here), so summing cached counts per piece is exact; it runs about 10×
 * faster than encoding the whole text, where js-tiktoken spends its time building byte keys.
 */
export function countPieces(encoder: Tiktoken, text: string): number {
  let total = 0;
  for (const match of text.matchAll(PIECE_PATTERN)) {
    const piece = match[0];
    let n = pieceCounts.get(piece);
    if (n === undefined) {
      n = encoder.encode(piece, [], []).length;
      if (pieceCounts.size >= MAX_CACHED_PIECES) pieceCounts.clear();
      pieceCounts.set(piece, n);
    }
    total += n;
  }
  return total;
}

/** Options of the offline counter. */
export interface TiktokenCounterOptions {
  /** Model table to find each model's tokenizer family. */
  models?: ModelTable;
  /** Called with the byte length of each text actually tokenized (for benchmarks and tests). */
  onTokenize?: (bytes: number) => void;
}

/**
 * The offline estimate: js-tiktoken's cl100k_base, scaled per tokenizer family, memoised by
 * content hash and family. Images and documents are estimated from their size and stated as such.
 */
export function createTiktokenCounter(options: TiktokenCounterOptions = {}): TokenCounter {
  const models = options.models ?? defaultModelTable;
  let encoder: Tiktoken | undefined;
  const memo = new Map<string, number>();

  const encode = (text: string): number => {
    encoder ??= new Tiktoken(cl100k);
    options.onTokenize?.(Buffer.byteLength(text));
    return countPieces(encoder, text);
  };

  const baseCount = (block: Record<string, unknown>): number => {
    switch (block.type) {
      case "text":
        return encode(typeof block.text === "string" ? block.text : "");
      case "image":
        return imageTokens(block.source);
      case "document":
        return documentTokens(block.source, encode);
      default: {
        // Tool definitions, tool_use / tool_result and other structured blocks: their JSON.
        const { type: _t, ...rest } = block;
        return encode(JSON.stringify(rest));
      }
    }
  };

  return {
    name: "tiktoken-estimate",
    estimated: true,
    async countSegments(segments: readonly SegmentCountRequest[]): Promise<number[]> {
      return segments.map((segment) => {
        const family = models.get(segment.model)?.tokenizer ?? UNKNOWN_MODEL_TOKENIZER;
        const key = `${family}:${segment.hash}`;
        let tokens = memo.get(key);
        if (tokens === undefined) {
          tokens =
            Math.ceil(baseCount(segment.block) * TOKENIZER_FACTORS[family]) + BLOCK_OVERHEAD_TOKENS;
          memo.set(key, tokens);
        }
        return tokens;
      });
    },
  };
}

function imageTokens(source: unknown): number {
  if (typeof source !== "object" || source === null) return IMAGE_MAX_TOKENS;
  const { type, data } = source as { type?: unknown; data?: unknown };
  if (type !== "base64" || typeof data !== "string") return IMAGE_MAX_TOKENS;
  const size = imageSize(Buffer.from(data.slice(0, 64 * 1024), "base64"));
  if (size === undefined) return IMAGE_MAX_TOKENS;
  return Math.min(IMAGE_MAX_TOKENS, Math.ceil((size.width * size.height) / 750));
}

function documentTokens(source: unknown, encode: (text: string) => number): number {
  if (typeof source !== "object" || source === null) return PDF_TOKENS_PER_PAGE;
  const s = source as { type?: unknown; data?: unknown; content?: unknown };
  if (s.type === "text" && typeof s.data === "string") return encode(s.data);
  if (s.type === "content" && Array.isArray(s.content)) {
    let total = 0;
    for (const block of s.content) {
      if (
        typeof block === "object" &&
        block !== null &&
        (block as { type?: unknown }).type === "text"
      ) {
        total += encode(String((block as { text?: unknown }).text ?? ""));
      } else {
        total += imageTokens((block as { source?: unknown } | null)?.source);
      }
    }
    return total;
  }
  if (s.type === "base64" && typeof s.data === "string") {
    const pdf = Buffer.from(s.data, "base64").toString("latin1");
    const pages = pdf.match(/\/Type\s*\/Page(?!s)/g)?.length ?? 1;
    return Math.max(1, pages) * PDF_TOKENS_PER_PAGE;
  }
  return PDF_TOKENS_PER_PAGE;
}

/** Width and height from a PNG, GIF, JPEG or WebP header; undefined when not recognised. */
export function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && bytes.toString("ascii", 0, 3) === "GIF") {
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (
    bytes.length >= 30 &&
    bytes.toString("ascii", 0, 4) === "RIFF" &&
    bytes.toString("ascii", 8, 12) === "WEBP"
  ) {
    const chunk = bytes.toString("ascii", 12, 16);
    if (chunk === "VP8X")
      return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
    if (chunk === "VP8 ")
      return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
    if (chunk === "VP8L") {
      const b = bytes.readUInt32LE(21);
      return { width: (b & 0x3fff) + 1, height: ((b >> 14) & 0x3fff) + 1 };
    }
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return undefined;
      const marker = bytes[offset + 1]!;
      const length = bytes.readUInt16BE(offset + 2);
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
      if (
        marker >= 0xc0 &&
        marker <= 0xcf &&
        marker !== 0xc4 &&
        marker !== 0xc8 &&
        marker !== 0xcc
      ) {
        return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
      }
      offset += 2 + length;
    }
  }
  return undefined;
}
