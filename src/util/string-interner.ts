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
