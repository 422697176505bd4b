/**
 * The exact counter's cache (internal): counts by content hash, read once from
 * `<cacheDir>/count-tokens.json` and written back (through a temporary file, then renamed) after
 * each counting call that added to it; a count being computed is shared by every caller that asks
 * for it meanwhile.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

const CACHE_FILE = "count-tokens.json";

export class CountCache {
  readonly #dir: string | false;
  readonly #stats: { cached: number };
  readonly #inflight = new Map<string, Promise<number>>();
  #disk: Promise<Map<string, number>> | undefined;
  #dirty = false;

  /** `dir`: the cache folder, or `false` for a cache in memory only; `stats.cached` counts hits. */
  constructor(dir: string | false, stats: { cached: number }) {
    this.#dir = dir;
    this.#stats = stats;
  }

  #load(): Promise<Map<string, number>> {
    const dir = this.#dir;
    this.#disk ??= (async () => {
      if (dir === false) return new Map<string, number>();
      try {
        const parsed = JSON.parse(await readFile(path.join(dir, CACHE_FILE), "utf8")) as {
          version?: number;
          counts?: Record<string, number>;
        };
        return new Map(parsed.version === 1 ? Object.entries(parsed.counts ?? {}) : []);
      } catch {
        return new Map<string, number>(); // missing or unreadable: start empty
      }
    })();
    return this.#disk;
  }

  /** Writes the counts back when they changed (sorted by key, so the file is stable). */
  async save(): Promise<void> {
    const dir = this.#dir;
    if (dir === false || !this.#dirty) return;
    this.#dirty = false;
    const counts = Object.fromEntries(
      [...(await this.#load())].sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, CACHE_FILE);
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify({ version: 1, counts }, null, 1)}\n`);
    await rename(temp, file);
  }

  /** The count of `key`: from the cache when it has it, else computed once. */
  async get(key: string, compute: () => Promise<number>): Promise<number> {
    const counts = await this.#load();
    const hit = counts.get(key);
    if (hit !== undefined) {
      this.#stats.cached += 1;
      return hit;
    }
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = compute().then((value) => {
        counts.set(key, value);
        this.#dirty = true;
        return value;
      });
      this.#inflight.set(key, pending);
      pending.then(
        () => this.#inflight.delete(key),
        () => this.#inflight.delete(key),
      );
    }
    return pending;
  }
}
