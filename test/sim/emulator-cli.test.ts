/**
 * `cacheplan emulate`: options, the banner, serving the SDK, and a clean stop.
 */
import { PassThrough, Readable } from "node:stream";
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { renderEmulatorBanner, run } from "../../src/cli/commands/emulate.js";
import { runCli } from "../helpers/cli.js";

describe("cacheplan emulate", () => {
  it("renders a banner with the URL and how to point the SDK at it", () => {
    expect(
      renderEmulatorBanner({
        url: "http://127.0.0.1:4010",
        timeScale: 60,
        faultRate: 0.1,
        seed: 1,
      }),
    ).toMatchInlineSnapshot(`
      "cacheplan emulator listening on http://127.0.0.1:4010
        time:   60 simulated ms per real ms (1 simulated minute(s) per real second)
        faults: 10% of HTTP requests (429 with retry-after, 500, 529, dropped connection)
        seed:   1

      Point the SDK at it (any non-empty API key is accepted):
        new Anthropic({ baseURL: "http://127.0.0.1:4010", apiKey: "test" })
      or from a shell:
        ANTHROPIC_BASE_URL=http://127.0.0.1:4010 ANTHROPIC_API_KEY=test node your-script.mjs

      Press Ctrl-C to stop.
      "
    `);
  });

  it("serves the SDK until stopped, then closes and exits 0", async () => {
    const stdout = new PassThrough();
    let out = "";
    let announce: (url: string) => void = () => {};
    const announced = new Promise<string>((resolve) => {
      announce = resolve;
    });
    stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url) announce(url);
    });
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const io = {
      stdout,
      stderr: new PassThrough(),
      stdin: Readable.from([]),
      env: {},
      cwd: process.cwd(),
    };
    const exit = run(["--port", "0", "--time-scale", "3600", "--seed", "5", "--verbose"], io, {
      stop: stopped,
    });

    const url = await announced;
    const client = new Anthropic({ baseURL: url, apiKey: "secret-key-123", maxRetries: 0 });
    const counted = await client.messages.countTokens({
      model: "claude-sonnet-4-6",
      messages: [{ role: "user", content: "hello" }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    stop();
    expect(await exit).toBe(0);
    expect(out).toContain(
      "time:   3600 simulated ms per real ms (1 simulated hour(s) per real second)",
    );
    expect(out).toMatch(/POST \/v1\/messages\/count_tokens 200 \d+ms/);
    expect(out).toContain("Stopped after 1 HTTP request and 0 batches.");
    expect(out).not.toContain("secret-key-123");
    // The port is closed.
    await expect(fetch(`${url}/v1/messages/batches`)).rejects.toThrow();
  });

  it("--max-queued limits the requests queued across unfinished batches (issue 12 item 6)", async () => {
    const stdout = new PassThrough();
    let out = "";
    const announced = new Promise<string>((resolve) => {
      stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8");
        const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        if (url) resolve(url);
      });
    });
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const io = {
      stdout,
      stderr: new PassThrough(),
      stdin: Readable.from([]),
      env: {},
      cwd: process.cwd(),
    };
    const exit = run(["--port", "0", "--max-queued", "2"], io, { stop: stopped });
    const client = new Anthropic({ baseURL: await announced, apiKey: "k", maxRetries: 0 });
    const request = (id: string) => ({
      custom_id: id,
      params: {
        model: "claude-sonnet-4-6",
        max_tokens: 8,
        messages: [{ role: "user" as const, content: "hi" }],
      },
    });
    const refused = await client.messages.batches
      .create({ requests: ["a", "b", "c"].map(request) })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect((await client.messages.batches.create({ requests: [request("a")] })).id).toMatch(
      /^msgbatch_/,
    );
    stop();
    expect(await exit).toBe(0);
    expect(out).toContain("queue:  at most 2 requests across unfinished batches");
  });

  it("rejects bad options with exit code 2", async () => {
    for (const argv of [
      ["emulate", "--time-scale", "fast"],
      ["emulate", "--time-scale", "0"],
      ["emulate", "--fault-rate", "1.5"],
      ["emulate", "--port", "70000"],
      ["emulate", "--max-queued", "0"],
      ["emulate", "--max-queued", "many"],
      ["emulate", "--frobnicate"],
    ]) {
      const result = await runCli(argv);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/^cacheplan: /);
    }
  });

  it("has --help through the main command table", async () => {
    const result = await runCli(["emulate", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--time-scale");
    expect(result.stdout).toContain("--fault-rate");
  });
});
