/**
 * The npm package as `npm pack` would build it (dry run, scripts skipped, so it lists the current
 * `dist/`: `npm ci` builds it through `prepare`): only what a user needs, and everything that is
 * referenced. And the `prepare` build when TypeScript is absent (`npm install --omit=dev`).
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

interface PackEntry {
  path: string;
  size: number;
}

async function packedFiles(): Promise<string[]> {
  const { stdout } = await run(
    "npm",
    ["pack", "--dry-run", "--json", "--ignore-scripts", "--no-audit", "--no-fund"],
    { cwd: root, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const [pack] = JSON.parse(stdout) as Array<{ files: PackEntry[] }>;
  return pack!.files.map((f) => f.path).sort();
}

const files = await packedFiles();
const manifest = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as {
  files: string[];
  bin: Record<string, string>;
  exports: Record<string, Record<string, string>>;
};

describe("npm pack", () => {
  it("holds the README, the LICENSE and package.json", () => {
    expect(files, "run `npm run build` first if dist/ is missing").toEqual(
      expect.arrayContaining(["LICENSE", "README.md", "package.json"]),
    );
  });

  it("holds only the folders package.json lists: no tests, sources, scripts or configs", () => {
    const allowed = new Set(["LICENSE", "README.md", "package.json"]);
    const outside = files.filter(
      (f) => !allowed.has(f) && !manifest.files.some((dir) => f.startsWith(`${dir}/`)),
    );
    expect(outside).toEqual([]);
    expect(
      files.filter((f) => /(^|\/)(test|src|scripts|\.ci)\/|\.test\.|tsconfig/.test(f)),
    ).toEqual([]);
  });

  it("ships no source map, whose sources would not be in the package", () => {
    // The build emits none (tsconfig.build.json): its JavaScript is tsc's readable output, and
    // maps to sources the package does not hold would only send debuggers to missing files.
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
  });

  it("holds the bin, every export target, and every module a shipped module imports", async () => {
    const targets = [
      ...Object.values(manifest.bin),
      ...Object.values(manifest.exports).flatMap((e) => Object.values(e)),
    ].map((t) => path.posix.normalize(t));
    expect(files).toEqual(expect.arrayContaining(targets));
    const missing: string[] = [];
    for (const file of files.filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
      const text = await readFile(path.join(root, file), "utf8");
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
        const target = path.posix.join(path.posix.dirname(file), m[1]!);
        if (!files.includes(target)) missing.push(`${file} -> ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("the prepare script", () => {
  it("without TypeScript (npm install --omit=dev in a clone) says how to build and exits 0", {
    timeout: 30_000,
  }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "cacheplan-prepare-"));
    try {
      await cp(path.join(root, "scripts"), path.join(dir, "scripts"), { recursive: true });
      await cp(path.join(root, "package.json"), path.join(dir, "package.json"));
      const script = path.join(dir, "scripts", "build.mjs");
      const { stderr } = await run(process.execPath, [script, "--if-possible"], { cwd: dir });
      expect(stderr).toMatch(/TypeScript is not installed.*npm install --include=dev/);
      // `npm run build` itself still fails without TypeScript, and says why.
      const failed = await run(process.execPath, [script], { cwd: dir }).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toMatch(/TypeScript is not installed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
