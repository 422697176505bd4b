/**
 * The submit lock: many takers at once, in one process and across processes, with and without a
 * stale lock (a dead pid, what SIGKILL leaves): exactly one winner every time.
 */
import { spawn } from "node:child_process";
import { readdir, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { acquireLock, LOCK_FILE } from "../../src/run/_lock.js";
import { tempDir } from "../helpers/cli.js";
import { buildCli } from "../helpers/run-child.js";
import { staleLock } from "../helpers/run-stale.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function folder(): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return dir;
}

async function takeAll(dir: string, n: number) {
  const outcomes = await Promise.allSettled(Array.from({ length: n }, () => acquireLock(dir)));
  const winners = outcomes.filter((o) => o.status === "fulfilled");
  const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
  for (const l of losers) expect(l.reason).toMatchObject({ name: "RunError", code: "locked" });
  return { winners, losers };
}

describe("acquireLock: in one process", () => {
  for (const stale of [false, true]) {
    it(`50 takers at once get one winner ${stale ? "over a stale lock" : "on a free folder"} (5 trials)`, async () => {
      for (let trial = 0; trial < 5; trial++) {
        const dir = await folder();
        if (stale) await staleLock(dir);
        const { winners } = await takeAll(dir, 50);
        expect(winners).toHaveLength(1);
        // Released, the folder is free again and holds nothing of the lock's.
        await (winners[0] as PromiseFulfilledResult<() => Promise<void>>).value();
        expect(await readdir(dir)).toEqual([]);
      }
    });
  }

  it("takes over an unparsable lock only once it is a few seconds old", async () => {
    const dir = await folder();
    const file = path.join(dir, LOCK_FILE);
    await writeFile(file, "");
    await expect(acquireLock(dir)).rejects.toMatchObject({ code: "locked" });
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    const release = await acquireLock(dir);
    expect((await stat(file)).size).toBeGreaterThan(0);
    await release();
  });

  it("refuses a lock held by a live process and names it", async () => {
    const dir = await folder();
    const info = { pid: process.ppid, host: hostname(), since: "2026-01-01T00:00:00.000Z" };
    await writeFile(path.join(dir, LOCK_FILE), JSON.stringify(info));
    await expect(acquireLock(dir)).rejects.toThrow(`pid ${process.ppid}`);
  });
});

describe("acquireLock: across processes", () => {
  let built: Awaited<ReturnType<typeof buildCli>>;
  beforeAll(async () => {
    built = await buildCli("lock");
  }, 60_000);
  afterAll(() => built?.remove());

  /**
   * `n` processes that take the lock at the same instant; the winner holds it until every process
   * has tried (each leaves a file in `tried`), so a process that a loaded machine starts late
   * still meets the held lock (a lock released before it tried may rightly be taken again).
   */
  async function race(dir: string, n: number): Promise<string[]> {
    const lockModule = path.join(path.dirname(path.dirname(built.main)), "run", "_lock.js");
    const tried = await folder();
    const startAt = Date.now() + 1500;
    const script = `
      const { acquireLock } = await import(${JSON.stringify(lockModule)});
      const { readdir, writeFile } = await import("node:fs/promises");
      const { join } = await import("node:path");
      const mark = () => writeFile(join(${JSON.stringify(tried)}, String(process.pid)), "");
      while (Date.now() < ${startAt}) {}
      try {
        const release = await acquireLock(${JSON.stringify(dir)});
        await mark();
        process.stdout.write("won");
        const until = Date.now() + 45_000;
        while ((await readdir(${JSON.stringify(tried)})).length < ${n} && Date.now() < until)
          await new Promise((r) => setTimeout(r, 50));
        await release();
      } catch (e) {
        await mark();
        process.stdout.write(e.code === "locked" ? "lost" : "error " + e.message);
      }`;
    const runs = Array.from(
      { length: n },
      () =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, ["--input-type=module", "-e", script]);
          let out = "";
          child.stdout.on("data", (c: Buffer) => {
            out += c.toString();
          });
          child.stderr.on("data", (c: Buffer) => {
            out += c.toString();
          });
          child.on("close", () => resolve(out));
        }),
    );
    return Promise.all(runs);
  }

  for (const stale of [false, true]) {
    it(`12 processes at once get one winner ${stale ? "over a stale lock" : "on a free folder"} (3 trials)`, async () => {
      for (let trial = 0; trial < 3; trial++) {
        const dir = await folder();
        if (stale) await staleLock(dir);
        const outs = await race(dir, 12);
        expect(
          outs.filter((o) => o === "won"),
          outs.join("\n"),
        ).toHaveLength(1);
        expect(outs.filter((o) => o === "lost")).toHaveLength(11);
        expect(await readdir(dir)).toEqual([]);
      }
    }, 180_000);
  }
});
