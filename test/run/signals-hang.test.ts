/**
 * A stop (SIGINT, SIGTERM, the caller's `signal`) while an API call hangs: the abort comes from
 * the run's own signal, so it is neither retried as "no answer" nor reported as a failure; the run
 * ends stopped (exit 130 / 143, the one "Stopped … resume" line), state kept, lock released.
 * Against a tiny fake on 127.0.0.1 that accepts the connection and never answers.
 */
import { access } from "node:fs/promises";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunState, submit } from "../../src/index.js";
import { type FakeRoute, type FakeServer, startFakeBatches } from "../helpers/fake-batches.js";
import { buildCli, spawnCli } from "../helpers/run-child.js";
import { cleanupAfterEach, FAST_POLL, planFolder, primedJob } from "../helpers/run-job.js";
import { expectValidRunJson } from "./_schema.js";

let cli: Awaited<ReturnType<typeof buildCli>>;
beforeAll(async () => {
  cli = await buildCli("signals-hang");
}, 60_000);
afterAll(() => cli?.remove());

const cleanups = cleanupAfterEach();

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

async function hangingOn(route: FakeRoute): Promise<FakeServer> {
  const server = await startFakeBatches({ hang: (r) => r === route });
  cleanups.push(server.close);
  return server;
}

/** Resolves once the fake has received `route` (the call now hangs), fails after `ms`. */
async function received(server: FakeServer, route: FakeRoute, ms = 20_000): Promise<void> {
  const started = Date.now();
  while (server.calls[route] === 0) {
    if (Date.now() - started > ms) throw new Error(`no ${route} call within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 100)); // the call is in flight, hanging
}

describe("submit stopped by a signal while an API call hangs", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal} during a hung list: exit ${code}, the stop line, no retries, lock gone`, async () => {
      const folder = await planFolder(primedJob(2, 3));
      cleanups.push(folder.cleanup);
      const server = await hangingOn("list");
      const env = { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: server.url };
      const child = spawnCli(cli.main, ["submit", folder.dir, "--no-report"], env);
      await received(server, "list");
      child.child.kill(signal);
      const stopped = await child.done;
      expect(stopped.signal, stopped.stderr).toBeNull();
      expect(stopped.code, stopped.stderr).toBe(code);
      const lines = stopped.stderr.trim().split("\n");
      expect(lines, stopped.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^Stopped \\(${signal}\\); the state is saved in .*run\\.json: resume with \`cacheplan submit `,
        ),
      );
      expect(stopped.stdout + stopped.stderr).not.toMatch(/retr(y|ies)|no answer|aborted|Failed/i);
      expect(server.calls.list).toBe(1); // the stopped call was not tried again
      expect(await exists(path.join(folder.dir, "run.lock"))).toBe(false);
      await expectValidRunJson(folder.dir);
      const state = await readRunState(folder.dir);
      expect(state?.lastFailure ?? null).toBeNull();
      expect(state?.batches.every((b) => b.state === "pending")).toBe(true);
    });
  }

  it("submit() whose signal aborts during a hung call, or during a backoff, ends interrupted", async () => {
    for (const [route, fail] of [
      ["list", false],
      ["list", true],
    ] as const) {
      const folder = await planFolder(primedJob(2, 3));
      cleanups.push(folder.cleanup);
      // `fail`: the list answers 503 (retried after a long backoff), the stop comes in the pause.
      const server = await startFakeBatches({
        hang: (r) => !fail && r === route,
        fail: (r) => (fail && r === route ? { status: 503, message: "overloaded" } : null),
      });
      cleanups.push(server.close);
      const controller = new AbortController();
      const running = submit(folder.plan, {
        client: new Anthropic({ baseURL: server.url, apiKey: "test-key", maxRetries: 0 }),
        planDir: folder.dir,
        poll: FAST_POLL,
        maxRetries: 8,
        retryBackoff: { initialMs: 60_000, maxMs: 60_000, seed: 1 },
        signal: controller.signal,
      });
      await received(server, route);
      controller.abort();
      const result = await running;
      expect(result.status, `${route} fail=${fail}`).toBe("interrupted");
      expect(server.calls[route]).toBe(1);
      expect(result.state.lastFailure ?? null).toBeNull();
      expect(await exists(path.join(folder.dir, "run.lock"))).toBe(false);
      await expectValidRunJson(folder.dir);
    }
  });
});
