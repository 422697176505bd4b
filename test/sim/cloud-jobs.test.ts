import { afterEach, describe, expect, it } from "vitest";
import {
  CloudJobs,
  type CloudServer,
  engineParams,
  serveCloud,
} from "../../src/sim/_cloud-jobs.js";
import { TIME_SCALE_HEADER } from "../../src/sim/time-scale.js";

describe("engineParams", () => {
  it("drops the cloud's anthropic_version and sets the job's model", () => {
    const body = { anthropic_version: "v1", max_tokens: 5, messages: [] };
    expect(engineParams(body, "claude-x", "v1")).toEqual({
      max_tokens: 5,
      messages: [],
      model: "claude-x",
    });
  });

  it("keeps another (or a missing) version for the engine to refuse", () => {
    expect(engineParams({ anthropic_version: "v0", model: "m" }, "claude-x", "v1")).toEqual({
      model: "claude-x",
      anthropic_version: "v0",
    });
    expect(engineParams({}, "claude-x", "v1")).toHaveProperty("anthropic_version", undefined);
  });
});

describe("serveCloud", () => {
  let server: CloudServer | undefined;
  afterEach(async () => server?.close());

  it("answers with the time scale, and a route that throws with the cloud's own 500", async () => {
    const cloud = new CloudJobs({ timeScale: 7 });
    server = await serveCloud(
      cloud,
      0,
      async (_request, response, url) => {
        if (url.pathname === "/boom") throw new Error("kaput");
        response.end("ok");
      },
      (response, error) => {
        response.writeHead(500, { "x-fail": "1" });
        response.end(String(error));
      },
    );
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const ok = await fetch(`${server.url}/fine`);
    expect([ok.status, ok.headers.get(TIME_SCALE_HEADER), await ok.text()]).toEqual([
      200,
      "7",
      "ok",
    ]);
    const boom = await fetch(`${server.url}/boom`);
    expect([boom.status, boom.headers.get("x-fail"), await boom.text()]).toEqual([
      500,
      "1",
      "Error: kaput",
    ]);
  });
});
