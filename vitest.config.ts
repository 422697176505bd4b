import { defineConfig } from "vitest/config";

/**
 * `npm test`: every test that needs nothing but Node. The browser check of the HTML report
 * (`*-browser.test.ts`, needs Chromium) runs with `npm run test:browser` (vitest.browser.config.ts).
 * Type tests (`*.test-d.ts`) are compiled by `npm run typecheck` (tsconfig.json includes test/),
 * where a failed `expectTypeOf` is a compile error; vitest's own typecheck mode is experimental
 * and warns on every run, so it stays off.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/**/*-browser.test.ts"],
    testTimeout: 30_000,
  },
});
