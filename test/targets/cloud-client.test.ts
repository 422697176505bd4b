import { afterEach, describe, expect, it, vi } from "vitest";
import { cloudRunConfig } from "../../src/targets/_cloud-client.js";

describe("cloudRunConfig", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("reads the environment when the options say nothing", () => {
    vi.stubEnv("CACHEPLAN_BUCKET", "s3://env-bucket/p");
    vi.stubEnv("X_ENDPOINT", "http://127.0.0.1:9");
    vi.stubEnv("CACHEPLAN_EMULATOR_TIME_SCALE", "120");
    expect(cloudRunConfig({}, "X_ENDPOINT")).toEqual({
      bucket: "s3://env-bucket/p",
      endpoint: "http://127.0.0.1:9",
      timeScale: 120,
    });
  });

  it("prefers the options, and drops a time scale that is not a number", () => {
    vi.stubEnv("CACHEPLAN_BUCKET", "s3://env-bucket/p");
    vi.stubEnv("X_ENDPOINT", "http://127.0.0.1:9");
    vi.stubEnv("CACHEPLAN_EMULATOR_TIME_SCALE", "fast");
    expect(
      cloudRunConfig({ bucket: "gs://b", baseURL: "http://127.0.0.1:8" }, "X_ENDPOINT"),
    ).toEqual({ bucket: "gs://b", endpoint: "http://127.0.0.1:8", timeScale: undefined });
    expect(cloudRunConfig({ timeScale: 30 }, "X_ENDPOINT").timeScale).toBe(30);
  });
});
