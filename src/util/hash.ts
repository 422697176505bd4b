/**
 * The hashes of cacheplan, in one place: a short content key for segments and texts, and the
 * `sha256:<hex>` digests that tie plan files, runs and batches to their content.
 */
import { createHash } from "node:crypto";

/** A 22-character base64url SHA-256 prefix of `text` (132 bits): a segment's or a text's key. */
export function hashText(text: string): string {
  return sha256Base64url(text).slice(0, 22);
}

/** Base64url SHA-256 of `text` (a disk cache's key). */
export function sha256Base64url(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

/** FNV-1a of a string as an unsigned 32-bit number: a seed for a per-item random stream. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Hex SHA-256 of `data` (a string is hashed as UTF-8). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * `sha256:<hex>` of `values` written as JSON lines (each `JSON.stringify(value)` and a newline):
 * the digest of a batch file's bytes, or of a list of ids.
 */
export function jsonLinesHash(values: Iterable<unknown>): string {
  const hash = createHash("sha256");
  for (const value of values) hash.update(`${JSON.stringify(value)}\n`);
  return `sha256:${hash.digest("hex")}`;
}
