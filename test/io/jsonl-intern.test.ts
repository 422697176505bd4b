import { writeFile } from "node:fs/promises";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { readJsonl } from "../../src/index.js";
import { tempDir } from "../helpers/cli.js";

const temp = await tempDir();
afterAll(() => temp.cleanup());

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Heap retained by the values read from `file`, after a full collection. */
async function retainedBytes(
  file: string,
  intern: boolean,
): Promise<{ bytes: number; lines: string[] }> {
  gc();
  const before = process.memoryUsage().heapUsed;
  const values: unknown[] = [];
  for await (const line of readJsonl(file, { intern })) values.push(line.value);
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  return { bytes, lines: values.map((v) => JSON.stringify(v)) };
}

describe("readJsonl interning", () => {
  it("keeps one copy of a long text that many lines repeat, and the values unchanged", async () => {
    // 1,000 lines sharing a 100 KB prompt: 100 MB as separate copies, 100 KB interned.
    const prompt = "shared prompt text ".repeat(5_300);
    const file = path.join(temp.dir, "jobs.jsonl");
    const lines = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({
        custom_id: `r${i}`,
        params: { system: prompt, messages: [{ role: "user", content: `q${i}` }] },
      }),
    );
    await writeFile(file, `${lines.join("\n")}\n`);

    const interned = await retainedBytes(file, true);
    const copies = await retainedBytes(file, false);
    expect(interned.lines).toEqual(lines);
    expect(copies.lines).toEqual(lines);
    expect(copies.bytes).toBeGreaterThan(50_000_000);
    expect(interned.bytes).toBeLessThan(10_000_000);
  });
});
