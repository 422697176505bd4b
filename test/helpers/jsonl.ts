/** Temporary JSONL files for tests that go through `readJsonl`. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir {
  /** Writes `content` verbatim to a new file in the folder and returns its path. */
  write(name: string, content: string): string;
  /** Removes the folder and everything in it. */
  remove(): void;
}

export function tempDir(prefix = "cacheplan-test-"): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content, "utf8");
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One JSONL line per value (strings are written as they are, for malformed lines). */
export function jsonl(values: unknown[], eol = "\n"): string {
  return values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(eol) + eol;
}
