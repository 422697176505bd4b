import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonSizer } from "../../src/request/json-size.js";

describe("JsonSizer", () => {
  it("measures exactly what JSON.stringify writes, in UTF-8 bytes", () => {
    const sizer = new JsonSizer();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(sizer.bytes(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  it("handles escapes, non-ASCII, long remembered strings and skipped properties", () => {
    const sizer = new JsonSizer();
    const long = `é"\\\n\u0001${"x".repeat(200)}😀`;
    const value = { a: long, b: [long, null, 1.5e-7, -0], c: undefined, d: true, e: "\u2028" };
    expect(sizer.bytes(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
    // The second time the long string is looked up, not measured again: same answer.
    expect(sizer.bytes(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
  });
});

describe("JsonSizer with a bounded memo (issue 14 review: long unique texts filled a worker's heap)", () => {
  it("measures as JSON.stringify does whatever the bound, the memo starting again past it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 0, maxLength: 300 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 2000 }),
        (texts, maxChars) => {
          const sizer = new JsonSizer(maxChars);
          for (const value of [...texts, ...texts, { texts }])
            expect(sizer.bytes(value)).toBe(Buffer.byteLength(JSON.stringify(value)));
        },
      ),
    );
  });
});
