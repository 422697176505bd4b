/**
 * `cacheplan status` after real runs against the emulator: every time it prints is this
 * machine's (the emulator's batch timestamps add simulated durations), and a run whose submit
 * failed says it failed and why (issue 11 item 6).
 */
import { type AddressInfo, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { readRunState } from "../../src/index.js";
import { emulator } from "../helpers/emulator.js";
import { runCliEnv } from "../helpers/run-cli.js";
import { cleanupAfterEach, planFolder, primedJob, QUICK_SIM } from "../helpers/run-job.js";
import { expectValidRunJson } from "./_schema.js";

const cleanups = cleanupAfterEach();
const KEY = "sk-ant-api03-status-never-printed";

/** A 127.0.0.1 URL nothing listens on (a port taken, then freed). */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Every `YYYY-MM-DD HH:MM:SSZ` time in `text`, in ms. */
function times(text: string): number[] {
  return [...text.matchAll(/(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)Z/g)].map((m) =>
    Date.parse(`${m[1]}T${m[2]}Z`),
  );
}

describe("status", () => {
  it("prints this machine's times, not the emulator's simulated ones", async () => {
    const folder = await planFolder(primedJob(2, 4));
    cleanups.push(folder.cleanup);
    // At 1,000x a batch's ended_at runs minutes ahead of the wall clock.
    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: target.url };
    const before = Date.now();
    const run = await runCliEnv(
      ["submit", "plan", "--poll-interval", "5", "--no-report"],
      folder.root,
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const after = Date.now();
    const state = await readRunState(folder.dir);
    const apiEnded = Math.max(...(state?.waves.map((w) => Date.parse(w.endedAt ?? "")) ?? []));
    expect(apiEnded).toBeGreaterThan(after + 10_000); // the premise: the API's clock runs ahead

    const status = await runCliEnv(["status", "plan"], folder.root, {});
    expect(status.code).toBe(0);
    await expectValidRunJson(folder.dir);
    expect(status.stdout).toMatch(/^ {2}wave 1 {4}started .*, finished /m);
    const shown = times(status.stdout);
    expect(shown.length).toBeGreaterThanOrEqual(5);
    for (const t of shown) {
      expect(t).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(t).toBeLessThanOrEqual(after);
    }
  });

  it("says a run whose submit failed failed, and why (redacted); a new submit clears it", async () => {
    const folder = await planFolder(primedJob(2, 4));
    cleanups.push(folder.cleanup);
    const url = await refusedUrl(); // connection refused
    const env = { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url };
    const failed = await runCliEnv(["submit", "plan", "--max-retries", "0"], folder.root, env);
    expect(failed.code).toBe(3);

    const status = await runCliEnv(["status", "plan"], folder.root, {});
    expect(status.stdout).toMatch(
      /^Run of plan: failed \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ at wave 0 \(waves 0 to 1\)$/m,
    );
    expect(status.stdout).not.toMatch(/in progress/);
    // Paths as the user typed them, as the submit's own error said it.
    expect(status.stdout).toContain("`cacheplan submit plan` resumes");
    expect(status.stdout).toMatch(/^ {2}failure {3}.*(connect|Connection).*\(api\)$/m);
    const state = await readRunState(folder.dir);
    expect(state?.lastFailure?.code).toBe("api");
    expect(JSON.stringify(state)).not.toContain(KEY);
    await expectValidRunJson(folder.dir);

    const target = await emulator({ timeScale: 1000, sim: QUICK_SIM });
    const again = await runCliEnv(
      ["submit", "plan", "--poll-interval", "5", "--no-report"],
      folder.root,
      { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: target.url },
    );
    expect(again.code, again.stderr).toBe(0);
    expect((await readRunState(folder.dir))?.lastFailure).toBeNull();
  });
});
