import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fnv1a32,
  hashText,
  jsonLinesHash,
  sha256Base64url,
  sha256Hex,
} from "../../src/util/hash.js";

// The digests moved to one home (issue 10 item 7); the values must not change, or every plan
// folder, run.json and disk cache written before would stop matching.
describe("the digests keep their values", () => {
  it("hashText is the first 22 base64url characters of SHA-256", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const full = createHash("sha256").update(text).digest("base64url");
        expect(sha256Base64url(text)).toBe(full);
        expect(hashText(text)).toBe(full.slice(0, 22));
        expect(sha256Hex(text)).toBe(createHash("sha256").update(text).digest("hex"));
      }),
    );
  });

  it("jsonLinesHash is sha256: of the JSON lines, as a batch file's bytes", () => {
    const lines = [{ custom_id: "a", params: {} }, "b"];
    const bytes = lines.map((l) => `${JSON.stringify(l)}\n`).join("");
    expect(jsonLinesHash(lines)).toBe(`sha256:${createHash("sha256").update(bytes).digest("hex")}`);
  });

  it("fnv1a32 is FNV-1a (offset basis 0x811c9dc5, prime 0x01000193)", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
  });
});
