/**
 * The layout rule the README states: a file named `_name.ts` is internal to its folder, so only
 * files in that folder or its subfolders import it (and `src/cli/commands/*.ts` share
 * `src/cli/_*.ts`).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const src = path.resolve(import.meta.dirname, "../../src");

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(full)));
    else if (entry.name.endsWith(".ts")) out.push(full);
  }
  return out;
}

/** Relative module specifiers of a file (static and dynamic imports, re-exports). */
function specifiers(text: string): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)].map((m) => m[1] as string);
}

/** Whether `importer` may import the internal file `target`. */
function mayImport(importer: string, target: string): boolean {
  const from = path.dirname(importer);
  const home = path.dirname(target);
  if (from === home || from.startsWith(home + path.sep)) return true;
  return from === path.join(src, "cli", "commands") && home === path.join(src, "cli");
}

describe("layout", () => {
  it("the rule itself: same folder or below yes, a sibling or a parent no", () => {
    const at = (p: string) => path.join(src, p);
    expect(mayImport(at("sim/emulator.ts"), at("sim/_heap.ts"))).toBe(true);
    expect(mayImport(at("sim/vertex/emulator.ts"), at("sim/_s3.ts"))).toBe(true);
    expect(mayImport(at("cli/commands/plan.ts"), at("cli/_args.ts"))).toBe(true);
    expect(mayImport(at("index.ts"), at("estimate/_counts.ts"))).toBe(false);
    expect(mayImport(at("sim/vertex/_gcs.ts"), at("sim/bedrock/_s3.ts"))).toBe(false);
    expect(mayImport(at("plan/_model.ts"), at("io/_utf8-lines.ts"))).toBe(false);
  });

  it("no file imports another folder's `_*.ts`", async () => {
    const outside: string[] = [];
    for (const file of await sources(src)) {
      for (const spec of specifiers(await readFile(file, "utf8"))) {
        const target = path.resolve(path.dirname(file), spec);
        if (!path.basename(target).startsWith("_")) continue;
        if (!mayImport(file, target)) outside.push(`${path.relative(src, file)} -> ${spec}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
