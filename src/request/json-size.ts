/**
 * Byte lengths of JSON without building the string: a batch job repeats the same long texts in
 * many requests (a 100 KB system prompt in 100,000 requests), and `JSON.stringify` of every whole
 * request, only to measure it, dominated planning time. Strings are measured once each and
 * remembered.
 */

/** Measures `JSON.stringify(value)` in UTF-8 bytes; keeps the sizes of long strings it has seen. */
export class JsonSizer {
  readonly #strings = new Map<string, number>();
  #chars = 0;
  /** Strings shorter than this are measured directly (a Map lookup costs more). */
  static readonly MEMO_MIN_LENGTH = 64;

  /**
   * @param maxChars characters of strings remembered before the memo starts again: where the
   * strings are not held anyway (a reader that drops each request), this bounds what it keeps.
   */
  constructor(readonly maxChars = Number.POSITIVE_INFINITY) {}

  /** UTF-8 bytes of `JSON.stringify(value)` for JSON data (what `JSON.parse` returns). */
  bytes(value: unknown): number {
    switch (typeof value) {
      case "string":
        return this.#string(value);
      case "number":
        return Number.isFinite(value) ? String(value).length : 4; // NaN and Infinity become null
      case "boolean":
        return value ? 4 : 5;
      case "object": {
        if (value === null) return 4;
        if (Array.isArray(value)) {
          let n = 2 + Math.max(0, value.length - 1);
          for (const item of value) {
            n += item === undefined || typeof item === "function" ? 4 : this.bytes(item);
          }
          return n;
        }
        if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
          return Buffer.byteLength(JSON.stringify(value));
        }
        let n = 2;
        let first = true;
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue;
          const v = (value as Record<string, unknown>)[key];
          if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
          n += (first ? 0 : 1) + this.#string(key) + 1 + this.bytes(v);
          first = false;
        }
        return n;
      }
      default:
        return Buffer.byteLength(JSON.stringify(value) ?? "");
    }
  }

  #string(text: string): number {
    if (text.length < JsonSizer.MEMO_MIN_LENGTH) return Buffer.byteLength(JSON.stringify(text));
    let n = this.#strings.get(text);
    if (n === undefined) {
      n = Buffer.byteLength(JSON.stringify(text));
      this.#chars += text.length;
      if (this.#chars > this.maxChars) {
        this.#strings.clear();
        this.#chars = text.length;
      }
      this.#strings.set(text, n);
    }
    return n;
  }
}
