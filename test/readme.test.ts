import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { planWarningInfo } from "../src/index.js";

const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("documents every warning kind in its table", () => {
    for (const kind of Object.keys(planWarningInfo)) {
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${kind}\`\\s*\\|`));
    }
  });

  it("gives the test command CI runs", async () => {
    const ci = await readFile(new URL("../.ci/run", import.meta.url), "utf8");
    expect(ci).toContain("npm test");
    expect(readme).toContain("npm test");
  });
});
