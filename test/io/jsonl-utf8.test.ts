/**
 * Issue 9 item 7: bytes that are not UTF-8 used to be replaced by U+FFFD while reading, so the
 * request written to the batch file was not the request given. Now such a line is a reject that
 * names its line and the offset of the first bad byte (in the line and in the file, from 0).
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { plan, readJsonl, readPlan } from "../../src/index.js";
import { firstInvalidUtf8 } from "../../src/io/_utf8-lines.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { request } from "../helpers/requests.js";
import { createWordCounter } from "../helpers/word-counter.js";

const temp = await tempDir();
afterAll(() => temp.cleanup());

let files = 0;
async function writeBytes(bytes: Buffer): Promise<string> {
  files += 1;
  const file = path.join(temp.dir, `bytes-${files}.jsonl`);
  await writeFile(file, bytes);
  return file;
}

const okLine = (id: string) => Buffer.from(`${JSON.stringify(request(id))}\n`);

/** A request line whose user text holds `bad` between "abc" and "xyz", and where `bad` starts. */
function lineWith(id: string, bad: number[], eol = "\n"): { bytes: Buffer; offset: number } {
  const [head, tail] = JSON.stringify(request(id, { user: "abc@@xyz" })).split("@@");
  const bytes = Buffer.concat([Buffer.from(head!), Buffer.from(bad), Buffer.from(tail + eol)]);
  return { bytes, offset: Buffer.byteLength(head!) };
}

const hex = (bytes: number[]) =>
  bytes.map((b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" ");

describe("bytes that are not UTF-8", () => {
  // [name, bytes put in the line, the ill-formed part reported]
  const cases: Array<[string, number[], number[]]> = [
    ["0xFF", [0xff], [0xff]],
    ["a Latin-1 é (0xE9)", [0xe9], [0xe9]],
    ["a stray continuation byte", [0x80], [0x80]],
    ["an overlong '/' (C0 AF)", [0xc0, 0xaf], [0xc0]],
    ["an overlong 3-byte form (E0 80 AF)", [0xe0, 0x80, 0xaf], [0xe0]],
    ["an overlong 4-byte form (F0 80 80 AF)", [0xf0, 0x80, 0x80, 0xaf], [0xf0]],
    ["an encoded surrogate (ED A0 80)", [0xed, 0xa0, 0x80], [0xed]],
    ["a code point above U+10FFFF (F4 90 80 80)", [0xf4, 0x90, 0x80, 0x80], [0xf4]],
    ["a 3-byte sequence cut short (E2 82, then ASCII)", [0xe2, 0x82], [0xe2, 0x82]],
  ];
  for (const [name, bad, reported] of cases) {
    it(`rejects a line holding ${name} with its line number and byte offsets`, async () => {
      const first = okLine("first");
      const { bytes, offset } = lineWith("bad", bad);
      const file = await writeBytes(Buffer.concat([first, bytes, okLine("last")]));
      const result = await plan(readJsonl(file), { counter: createWordCounter() });
      expect(result.rejected).toHaveLength(1);
      const r = result.rejected[0]!;
      expect(r).toMatchObject({ line: 2, source: file, kind: "invalid-utf8" });
      const fileOffset = first.length + offset;
      expect(r.reason).toContain(
        `at offset ${offset} of the line (offset ${fileOffset} of the file, both counted from 0)`,
      );
      expect(r.reason).toContain(
        `${reported.length === 1 ? "byte" : "bytes"} ${hex(reported)} ${reported.length === 1 ? "is" : "are"} not a UTF-8 character`,
      );
      expect(r.reason).toContain("Save the file as UTF-8");
      const planned = result.batches.flatMap((b) => b.requests.map((x) => x.custom_id));
      expect(planned.sort()).toEqual(["first", "last"]);
    });
  }

  it("rejects a multi-byte character cut off at the end of a line (CRLF and LF)", async () => {
    for (const eol of ["\n", "\r\n"]) {
      const text = JSON.stringify(request("cut"));
      // The line ends in the middle of "€" (E2 82 AC): the JSON is unfinished too, but the
      // bytes are checked first, so the message points at them.
      const line = Buffer.concat([Buffer.from(text.slice(0, 40)), Buffer.from([0xe2, 0x82])]);
      const file = await writeBytes(Buffer.concat([okLine("a"), line, Buffer.from(eol)]));
      const result = await plan(readJsonl(file), { counter: createWordCounter() });
      expect(result.rejected).toMatchObject([{ line: 2, kind: "invalid-utf8" }]);
      expect(result.rejected[0]!.reason).toContain("at offset 40 of the line");
      expect(result.rejected[0]!.reason).toContain("bytes E2 82 are");
    }
  });

  it("rejects a bad last line that has no newline", async () => {
    const { bytes, offset } = lineWith("end", [0xff], "");
    const first = okLine("a");
    const file = await writeBytes(Buffer.concat([first, bytes]));
    const result = await plan(readJsonl(file), { counter: createWordCounter() });
    expect(result.rejected).toMatchObject([{ line: 2, kind: "invalid-utf8" }]);
    expect(result.rejected[0]!.reason).toContain(`(offset ${first.length + offset} of the file`);
  });

  it("never writes U+FFFD: the CLI plans the other lines with --allow-rejects, byte for byte", async () => {
    const { bytes } = lineWith("bad", [0xc3, 0x28]); // C3 followed by "(": a broken 2-byte form
    const good = request("good", { user: "déjà vu – 東京 😀" });
    const file = await writeBytes(
      Buffer.concat([Buffer.from(`${JSON.stringify(good)}\n`), bytes, okLine("other")]),
    );
    const out = path.join(temp.dir, "utf8-plan");
    const run = await runCli(["plan", file, "--allow-rejects", "--out", out]);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).toContain(`${file}:2: Not valid UTF-8: at offset`);
    const planned = await readPlan(out);
    const requests = planned.batches.flatMap((b) => b.requests);
    expect(requests.map((r) => r.custom_id).sort()).toEqual(["good", "other"]);
    expect(requests.find((r) => r.custom_id === "good")).toEqual(good);
    for (const batch of planned.batches) {
      const name = `batches/wave-${batch.wave}-batch-${String(batch.index).padStart(4, "0")}.jsonl`;
      expect(await readFile(path.join(out, name), "utf8")).not.toContain("\uFFFD");
    }
  });

  it("the CLI without --allow-rejects writes no plan and names the line", async () => {
    const { bytes } = lineWith("bad", [0xff]);
    const file = await writeBytes(Buffer.concat([okLine("a"), okLine("b"), bytes]));
    const run = await runCli(["plan", file]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain(`${file}:3: Not valid UTF-8`);
  });
});

describe("valid UTF-8 reads as before", () => {
  it("keeps multi-byte characters split across any two chunks of a stream", async () => {
    const value = request("split", { user: "é€😀 ok" });
    const bytes = Buffer.from(`${JSON.stringify(value)}\r\n\n${JSON.stringify(request("b"))}`);
    for (let cut = 1; cut < bytes.length; cut++) {
      const stream = Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]);
      const lines = [];
      for await (const line of readJsonl(stream)) lines.push(line);
      expect(lines.map((l) => [l.line, l.parseError])).toEqual([
        [1, undefined],
        [3, undefined],
      ]);
      expect(lines[0]!.value).toEqual(value);
    }
  });

  it("reads a file where a 4-byte character straddles the 64 KiB read boundary", async () => {
    const prefix =
      '{"custom_id":"big","params":{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"';
    const fill = "x".repeat(65_536 - Buffer.byteLength(prefix) - 2);
    const content = `${fill}😀 end`;
    const text = `${prefix}${content}"}]}}\n`;
    expect(Buffer.from(text).subarray(65_534, 65_538)).toEqual(Buffer.from("😀"));
    const file = await writeBytes(Buffer.from(text));
    const lines = [];
    for await (const line of readJsonl(file)) lines.push(line);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.parseError).toBeUndefined();
    expect(
      (lines[0]!.value as { params: { messages: Array<{ content: string }> } }).params.messages[0]!
        .content,
    ).toBe(content);
  });

  it("keeps an escaped lone surrogate as it is (valid JSON; left to the API)", async () => {
    // `"\ud800"` is valid JSON; whether the API accepts it is not documented, so it is passed on
    // unchanged: JSON.stringify writes it back escaped, never as U+FFFD.
    const line = Buffer.from(
      `${JSON.stringify(request("lone")).replace("hello lone", "hello \\ud800")}\n`,
    );
    const file = await writeBytes(line);
    const result = await plan(readJsonl(file), { counter: createWordCounter() });
    expect(result.rejected).toEqual([]);
    expect(JSON.stringify(result.batches[0]!.requests[0])).toContain("hello \\ud800");
  });
});

describe("properties", () => {
  it("firstInvalidUtf8 agrees with a fatal TextDecoder, and the bytes before it decode", () => {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const decodes = (bytes: Uint8Array) => {
      try {
        decoder.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    // Mostly UTF-8 of random text with random bytes spliced in.
    const sample = fc
      .tuple(fc.string({ unit: "binary" }), fc.uint8Array({ maxLength: 4 }), fc.nat())
      .map(([text, junk, at]) => {
        const good = Buffer.from(text);
        const cut = good.length === 0 ? 0 : at % (good.length + 1);
        return Buffer.concat([good.subarray(0, cut), junk, good.subarray(cut)]);
      });
    fc.assert(
      fc.property(sample, (bytes) => {
        const bad = firstInvalidUtf8(bytes);
        expect(bad === undefined).toBe(decodes(bytes));
        if (bad !== undefined) {
          expect(decodes(bytes.subarray(0, bad.offset))).toBe(true);
          expect(decodes(bytes.subarray(0, bad.offset + bad.length))).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("readJsonl rejects exactly the lines a fatal TextDecoder rejects, however the stream is cut", async () => {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const line = fc.oneof(
      fc.string({ unit: "binary" }).map((s) => Buffer.from(JSON.stringify({ s }))),
      fc
        .tuple(fc.string({ unit: "binary" }), fc.uint8Array({ minLength: 1, maxLength: 3 }))
        .map(([s, junk]) =>
          Buffer.concat([
            Buffer.from(`{"s":"${s.replace(/["\\\n\r]/g, "")}`),
            junk,
            Buffer.from('"}'),
          ]),
        )
        .filter((b) => !b.includes(0x0a)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        async (lines, at) => {
          const bytes = Buffer.concat(lines.flatMap((l) => [l, Buffer.from("\n")]));
          const cut = at % (bytes.length + 1);
          const stream = Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]);
          const read = [];
          for await (const l of readJsonl(stream)) read.push(l);
          const expected = lines.map((l) => {
            try {
              decoder.decode(l);
              return "ok";
            } catch {
              return "invalid-utf8";
            }
          });
          expect(read.map((l) => (l.problem === "invalid-utf8" ? "invalid-utf8" : "ok"))).toEqual(
            expected,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
