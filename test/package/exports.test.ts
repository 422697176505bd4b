/**
 * The package's public entries (issue 10 item 10, STYLE items 2, 3): the root and each sub-path
 * of package.json `exports` (types first, each an entry file in `src/exports/` documented in
 * `src/index.ts`), nothing internal at the root, and the CLI consuming the library through these
 * entries only. `attw --pack . --profile esm-only` (in `npm test`) checks how they resolve.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const manifest = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as {
  exports: Record<string, Record<string, string>>;
};
const subPaths = Object.keys(manifest.exports).filter((key) => key !== ".");

describe("package.json exports", () => {
  it("every entry lists `types` first, then `default`", () => {
    for (const [key, entry] of Object.entries(manifest.exports)) {
      expect(Object.keys(entry), key).toEqual(["types", "default"]);
    }
  });

  it("each sub-path is an entry file of src/exports/, and each such file is a sub-path", async () => {
    const files = (await readdir(path.join(root, "src", "exports"))).sort();
    expect(files).toEqual(subPaths.map((key) => `${key.slice(2)}.ts`).sort());
    for (const key of subPaths) {
      const name = key.slice(2);
      expect(manifest.exports[key]).toEqual({
        types: `./dist/exports/${name}.d.ts`,
        default: `./dist/exports/${name}.js`,
      });
    }
  });

  it("src/index.ts documents every sub-path as `cacheplan/<name>`", async () => {
    const index = await readFile(path.join(root, "src", "index.ts"), "utf8");
    for (const key of subPaths) expect(index).toContain(`\`cacheplan/${key.slice(2)}\``);
  });

  it("each entry loads and exports something, and no name is exported twice", async () => {
    const seen = new Map<string, string>();
    for (const key of [".", ...subPaths]) {
      const source = key === "." ? "src/index.ts" : `src/exports/${key.slice(2)}.ts`;
      const module = (await import(path.join(root, source))) as Record<string, unknown>;
      expect(Object.keys(module).length, key).toBeGreaterThan(0);
      for (const name of Object.keys(module)) {
        expect(seen.get(name), `${name} in ${key}`).toBeUndefined();
        seen.set(name, key);
      }
    }
  });

  it("keeps internals out of the root", async () => {
    const rootModule = (await import(path.join(root, "src", "index.ts"))) as object;
    for (const internal of [
      "ContextInterner",
      "segmentRequest",
      "renderProgressLine",
      "batchFingerprint",
      "planFingerprint",
      "resolvePlanOptions",
      "CacheState",
      "API_MAX_REQUESTS",
    ]) {
      expect(Object.keys(rootModule), internal).not.toContain(internal);
    }
  });
});

/** The relative imports of a source file that leave its own folder. */
async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8");
  return Array.from(text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g), (m) => m[1]!);
}

describe("the CLI consumes the library through its public entries (STYLE item 3)", () => {
  it("src/cli imports only `src/index.ts`, `src/exports/*`, its own `_*.ts` and commands", async () => {
    const cli = path.join(root, "src", "cli");
    const files = (await readdir(cli, { recursive: true }))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => path.join(cli, f));
    const outside: string[] = [];
    for (const file of files) {
      for (const specifier of await importsOf(file)) {
        const target = path.relative(root, path.resolve(path.dirname(file), specifier));
        const ok =
          target === "src/index.js" ||
          /^src\/exports\/[a-z-]+\.js$/.test(target) ||
          /^src\/cli\/(_[a-z-]+|commands\/[a-z-]+)\.js$/.test(target);
        if (!ok) outside.push(`${path.relative(root, file)} -> ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it("commands share code only through cli/_*.ts: no command imports another", async () => {
    const commands = path.join(root, "src", "cli", "commands");
    const crossing: string[] = [];
    for (const name of await readdir(commands)) {
      for (const specifier of await importsOf(path.join(commands, name))) {
        if (specifier.startsWith("./")) crossing.push(`${name} -> ${specifier}`);
      }
    }
    expect(crossing).toEqual([]);
  });
});
