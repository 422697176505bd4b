/**
 * Where each result was first seen, to name both lines of a repeated `custom_id` (internal).
 * With a plan the index keeps it per planned request (`PlanIndex.markSeen`); without one, a map of
 * the `custom_id`s seen, each with one number (its source and line), not a string.
 */
import type { SeenAt } from "./_index.js";

/** Lines per source number in the packed number of a line (`source × LINES + line`). */
const LINES = 2 ** 32;

export class SeenResults {
  readonly #sources: (string | undefined)[] = [];
  readonly #numbers = new Map<string | undefined, number>();
  /** Without a plan: `custom_id` → its first line, packed. */
  readonly #byId = new Map<string, number>();

  /** The number of a results source (a file name, or undefined for input without one). */
  source(name: string | undefined): number {
    let n = this.#numbers.get(name);
    if (n === undefined) {
      n = this.#sources.length;
      this.#sources.push(name);
      this.#numbers.set(name, n);
    }
    return n;
  }

  /** How a problem names a line: its file and line, or the input's line. */
  describe(at: SeenAt): string {
    const source = this.#sources[at.source];
    return source === undefined ? `input line ${at.line}` : `\`${source}\` line ${at.line}`;
  }

  /** Without a plan: where `customId` was first seen; undefined before. */
  firstOf(customId: string): SeenAt | undefined {
    const packed = this.#byId.get(customId);
    if (packed === undefined) return undefined;
    return { source: Math.floor(packed / LINES), line: packed % LINES };
  }

  /** Without a plan: records the first line of `customId`. */
  mark(customId: string, at: SeenAt): void {
    this.#byId.set(customId, at.source * LINES + at.line);
  }
}
