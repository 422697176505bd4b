/**
 * Builds `dist/` from `src/` with TypeScript (tsconfig.build.json), after removing the previous
 * build, so no file of an older build (a renamed module, a source map) is left to be packed.
 *
 * `--if-possible` (the `prepare` script): when TypeScript is not installed, as after
 * `npm install --omit=dev` in a clone, it says how to build and exits 0 instead of failing the
 * install. `npm install git+…`, `npm ci` and `npm pack` install TypeScript first, so they build.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const ifPossible = process.argv.includes("--if-possible");

// This package's own TypeScript only (not one in a folder above it), so that whether dist/ is
// built depends on this install alone.
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
if (!existsSync(tsc)) {
  const message =
    "cacheplan: TypeScript is not installed (a development dependency), so dist/ was not built.";
  if (!ifPossible) {
    console.error(`${message} Run \`npm install\` first.`);
    process.exit(1);
  }
  console.warn(
    `${message} To build it: \`npm install --include=dev && npm run build\`, or install a packed tarball (\`npm pack\`) instead of the clone.`,
  );
  process.exit(0);
}

rmSync(path.join(root, "dist"), { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], {
    cwd: root,
    stdio: "inherit",
  });
} catch (error) {
  // tsc has printed its errors; pass its exit code on.
  process.exit(typeof error.status === "number" ? error.status : 1);
}

// The command's file must stay executable: npx and `npm link` point at it, and tsc writes it 644.
chmodSync(path.join(root, "dist", "cli", "main.js"), 0o755);
