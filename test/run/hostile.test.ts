/**
 * A server that misbehaves (tests against a tiny fake on 127.0.0.1, test/helpers/fake-batches.ts)
 * and a `run.json` edited by hand: batch ids that are paths, one id for two batches, a call that
 * hangs, an error body echoing the API key; results files named outside the plan folder.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import {
  type Plan,
  plan as planRequests,
  type RunEvent,
  readRunState,
  retryPlan,
  submit,
  writePlan,
} from "../../src/index.js";
import { tempDir } from "../helpers/cli.js";
import { sharedCounter } from "../helpers/emulator.js";
import { type FakeOptions, type FakeServer, startFakeBatches } from "../helpers/fake-batches.js";
import { runCliEnv } from "../helpers/run-cli.js";
import { cleanupAfterEach, FAST_POLL, primedJob, recorder } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();

/** A plan folder 4 levels down a temp root (`root/one/two/three/plan`), so escapes land in root. */
async function deepPlan(
  groups = 2,
  perGroup = 2,
): Promise<{ plan: Plan; dir: string; root: string }> {
  const planned = await planRequests(primedJob(groups, perGroup), {
    strategy: "primed",
    counter: sharedCounter,
    maxRequests: 1,
  });
  const { dir: root, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const dir = path.join(root, "one", "two", "three", "plan");
  await writePlan(planned, dir);
  return { plan: planned, dir, root };
}

async function fake(options: FakeOptions): Promise<FakeServer> {
  const server = await startFakeBatches(options);
  cleanups.push(server.close);
  return server;
}

const client = (server: FakeServer, apiKey = "test-key") =>
  new Anthropic({ baseURL: server.url, apiKey, maxRetries: 0 });

/** Every file under `dir`, relative to it. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe("batch ids from the server", () => {
  const hostile = "x/../../../../PWNED";

  it("refuses a create answered with a path as id, and writes nothing outside the plan", async () => {
    const { plan, dir, root } = await deepPlan();
    const server = await fake({ id: () => hostile });
    const error = await submit(plan, {
      client: client(server),
      planDir: dir,
      poll: FAST_POLL,
      maxRetries: 0,
    }).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: "RunError", code: "bad-answer" });
    expect((error as Error).message).toContain(JSON.stringify(hostile));
    expect((error as Error).message).toMatch(/ANTHROPIC_BASE_URL/);
    const outside = (await files(root)).filter((f) => !f.startsWith("one/two/three/plan/"));
    expect(outside).toEqual([]);
    expect((await files(root)).some((f) => f.includes("PWNED"))).toBe(false);
    // The intent stays open: a run against the real API resumes by the adoption rule.
    expect((await readRunState(dir))?.batches[0]?.state).toBe("creating");
  });

  it("refuses a listed id that is a path", async () => {
    const { plan, dir } = await deepPlan();
    const server = await fake({ listed: [hostile] });
    await expect(
      submit(plan, { client: client(server), planDir: dir, poll: FAST_POLL, maxRetries: 0 }),
    ).rejects.toMatchObject({ code: "bad-answer", message: expect.stringContaining('"x/../') });
    expect(server.created).toEqual([]);
  });

  it("refuses one id for two batches, and never overwrites a results file", async () => {
    const { plan, dir } = await deepPlan(3, 2);
    expect(plan.batches.filter((b) => b.wave === 0).length).toBeGreaterThan(1);
    const server = await fake({ id: () => "msgbatch_01SameIdForAll" });
    const error = await submit(plan, {
      client: client(server),
      planDir: dir,
      poll: FAST_POLL,
      concurrency: 1,
      maxRetries: 0,
    }).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: "RunError", code: "bad-answer" });
    expect((error as Error).message).toMatch(/"msgbatch_01SameIdForAll", which is already batch 0/);
    const state = await readRunState(dir);
    const ids = state?.batches.flatMap((b) => ("id" in b ? [b.id] : []));
    expect(ids).toEqual(["msgbatch_01SameIdForAll"]);
  });
});

describe("run.json edited to name files outside the plan", () => {
  async function finishedRun() {
    const { plan, dir, root } = await deepPlan(1, 2);
    const server = await fake({});
    await submit(plan, { client: client(server), planDir: dir, poll: FAST_POLL });
    return { plan, dir, root, server };
  }

  for (const file of [
    "../../../outside.jsonl",
    "/etc/hostname",
    "results/0001-msgbatch_01Fake000000000000000001.jsonl",
  ]) {
    it(`refuses results file ${file} with a clear error, reading nothing`, async () => {
      const { plan, dir, root, server } = await finishedRun();
      await writeFile(path.join(root, "one", "outside.jsonl"), '{"custom_id":"SECRET-LINE"}\n');
      const runFile = path.join(dir, "run.json");
      const state = JSON.parse(await readFile(runFile, "utf8"));
      state.batches[0].results.file = file;
      await writeFile(runFile, JSON.stringify(state));
      for (const attempt of [
        () => retryPlan(dir),
        () => readRunState(dir),
        () => submit(plan, { client: client(server), planDir: dir, poll: FAST_POLL }),
      ]) {
        const error = await attempt().then(
          () => null,
          (e: unknown) => e as Error,
        );
        expect(error).toMatchObject({ name: "RunError", code: "bad-state" });
        expect(error?.message).toContain("batch 0");
        expect(error?.message).toContain(JSON.stringify(file));
        expect(error?.message).not.toContain("SECRET-LINE");
      }
      const status = await runCliEnv(["status", dir], root, {});
      expect(status.code).not.toBe(0);
      expect(status.stderr).toMatch(/batch 0: the results file/);
    });
  }
});

describe("a server that hangs", () => {
  it("says what the run waits on, and gives up after `timeout` and the retries", async () => {
    const { plan, dir } = await deepPlan(1, 2);
    const server = await fake({ hang: (r) => r === "retrieve" });
    const events = recorder();
    const started = Date.now();
    const error = await submit(plan, {
      client: client(server),
      planDir: dir,
      poll: FAST_POLL,
      timeout: 300,
      waitNoticeMs: 100,
      maxRetries: 2,
      retryBackoff: { initialMs: 10, maxMs: 20, seed: 1 },
      onProgress: events.on,
    }).catch((e: unknown) => e as Error);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toMatchObject({ name: "RunError", code: "api", status: undefined });
    expect((error as Error).message).toMatch(/timed out/i);
    expect((error as Error).message).toMatch(/after 2 retries/);
    const waiting = events.events.filter(
      (e): e is Extract<RunEvent, { type: "waiting" }> => e.type === "waiting",
    );
    expect(waiting.length).toBeGreaterThanOrEqual(3);
    // The fake's batches end at once: the call that hangs is the results' retrieve.
    expect(waiting.at(-1)?.doing).toMatch(
      /^downloading the results of batch \d+ \(msgbatch_01Fake\w+\)$/,
    );
    expect(events.types()).toContain("backoff");
  });

  it("the CLI prints what it waits on and honours --timeout and --max-retries", async () => {
    const { dir, root } = await deepPlan(1, 2);
    const server = await fake({ hang: (r) => r === "retrieve" });
    const env = { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: server.url };
    const started = Date.now();
    const run = await runCliEnv(
      ["submit", dir, "--poll-interval", "5", "--timeout", "400", "--max-retries", "1"],
      root,
      env,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toMatch(
      /waiting for the API \(downloading the results of batch \d+ \(msgbatch_01Fake\w+\)\) for 0\.\ds…/,
    );
    expect(run.stdout).toMatch(/results of batch \d+ .*retry 1 of 1/);
    expect(run.stderr).toMatch(/after 1 retry \(`--max-retries`\)/);
  });
});

describe("an error body that echoes the request's headers", () => {
  const key = "test-secret-KEY-0123456789abcdef";
  const sent: string[] = [];
  /** What a proxy that echoes the request's headers answers (this SDK sends the key as a bearer). */
  const echo = (headers: Record<string, string | string[] | undefined>) => {
    const bare = String(headers["x-api-key"] ?? headers.authorization ?? "").replace(
      /^Bearer /,
      "",
    );
    const text = `upstream failed; request headers: x-api-key: ${headers["x-api-key"]}, authorization: ${headers.authorization}; the key was ${bare} (sic)`;
    sent.push(text);
    return text;
  };

  for (const status of [500, 400]) {
    it(`keeps the key out of every message, event, file and output (${status})`, async () => {
      const { plan, dir, root } = await deepPlan(1, 2);
      const failOn: FakeOptions["fail"] = (r, h) =>
        (status === 500 ? r === "list" : r === "create") ? { status, message: echo(h) } : null;
      const server = await fake({ fail: failOn });
      const events: RunEvent[] = [];
      const error = await submit(plan, {
        client: client(server, key),
        planDir: dir,
        poll: FAST_POLL,
        maxRetries: 1,
        retryBackoff: { initialMs: 1, maxMs: 2 },
        onProgress: (e) => events.push(e),
      }).catch((e: unknown) => e as Error);
      expect(error).toMatchObject({ name: "RunError", code: "api", status });
      // The server did echo the key, and the echo reached the runner …
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.every((text) => text.includes(key))).toBe(true);
      expect((error as Error).message).toContain("upstream failed; request headers: x-api-key:");
      // … and the key did not get through.
      const thrown = [
        (error as Error).message,
        String((error as Error).cause),
        JSON.stringify(error),
        (error as Error).stack ?? "",
      ].join("\n");
      expect(thrown).not.toContain(key);
      expect(JSON.stringify(events)).not.toContain(key);
      if (status === 500) expect(events.some((e) => e.type === "backoff")).toBe(true);
      for (const f of await files(dir)) {
        expect(await readFile(path.join(dir, f), "utf8"), f).not.toContain(key);
      }
      const env = { ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: server.url };
      for (const extra of [[], ["--json"]]) {
        const cli = await runCliEnv(["submit", dir, "--max-retries", "1", ...extra], root, env);
        const out = cli.stdout + cli.stderr;
        expect(cli.code).not.toBe(0);
        expect(out).toContain("upstream failed");
        expect(out).not.toContain(key);
        expect(out).toContain("[redacted]");
      }
    });
  }
});
