import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wrap as planWrap } from "../../src/plan/render.js";
import { money, usdFormatter, wrap } from "../../src/util/format.js";

// The three wrap functions and three USD formatters of the renderers became one each (issue 10
// item 7); these pin the behaviour each renderer relied on.
describe("wrap", () => {
  const words = fc.array(fc.stringMatching(/^[a-z]{1,12}$/), { maxLength: 40 });

  it("keeps every word in order and no line past the width unless one word fills it", () => {
    fc.assert(
      fc.property(words, fc.integer({ min: 20, max: 100 }), (ws, width) => {
        const lines = wrap(ws.join(" "), width, "  - ", "    ");
        expect(
          lines
            .join(" ")
            .split(/\s+/)
            .filter((w) => w !== "" && w !== "-"),
        ).toEqual(ws);
        for (const line of lines) {
          if (line.length > width) expect(line.trim().split(" ").length).toBeLessThanOrEqual(2);
        }
      }),
    );
  });

  it("the plan's wrap leaves room for the space after the last word", () => {
    fc.assert(
      fc.property(words, fc.integer({ min: 20, max: 100 }), (ws, width) => {
        for (const line of planWrap(ws.join(" "), width, "  ")) {
          if (line.trim().includes(" ")) expect(line.length + 1).toBeLessThanOrEqual(width);
        }
      }),
    );
  });

  it("never leaves a prefix alone on a line", () => {
    expect(wrap("x".repeat(90), 80, "  - ", "    ")).toEqual([`  - ${"x".repeat(90)}`]);
  });
});

describe("USD", () => {
  it("four significant digits of the scale, with or without $", () => {
    expect(usdFormatter(123.4)(5)).toBe("$5.00");
    expect(usdFormatter(0.01234)(0.5)).toBe("$0.50000");
    expect(usdFormatter(0.01234, { symbol: false })(0.00885)).toBe("0.00885");
    expect(usdFormatter(1)(-0.0001)).toBe("$0.000");
    expect(usdFormatter(1)(-0.5)).toBe("-$0.500");
    expect(usdFormatter(12345)(12345)).toBe("$12,345.00");
  });

  it("money: three significant digits of itself", () => {
    expect(money(0.0213)).toBe("$0.0213");
    expect(money(1.2449)).toBe("$1.24");
    expect(money(1234.5)).toBe("$1,234.50");
    expect(money(0)).toBe("$0.00000000");
  });
});
