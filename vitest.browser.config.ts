import { defineConfig } from "vitest/config";

/**
 * `npm run test:browser`: the HTML report in headless Chromium (`/usr/bin/chromium`, Debian's
 * `chromium` package; `.ci/run` installs it). Kept out of `npm test`, which needs no browser.
 */
export default defineConfig({
  test: {
    include: ["test/**/*-browser.test.ts"],
    testTimeout: 120_000,
  },
});
