/**
 * Polling follows a local emulator's clock (issue 11 item 12): the emulator announces its time
 * scale in a header, and `submit()` divides its poll interval by it, bounded. The README's
 * library example (examples/requests.jsonl, `startEmulator({ timeScale: 3600 })`) with the
 * default polling took 20.7 s; it now completes in a few seconds.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { plan, readJsonl, submit, writePlan } from "../../src/index.js";
import { MIN_SCALED_POLL_MS, scaledInterval, timeScaleOf } from "../../src/run/clock.js";
import { TIME_SCALE_HEADER } from "../../src/sim/time-scale.js";
import { tempDir } from "../helpers/cli.js";
import { clientFor, emulator, sharedCounter } from "../helpers/emulator.js";
import { cleanupAfterEach } from "../helpers/run-job.js";

const cleanups = cleanupAfterEach();
const example = fileURLToPath(new URL("../../examples/requests.jsonl", import.meta.url));

describe("polling on the emulator's clock", () => {
  it("the library submit of the README example against the emulator ends in a few seconds", async () => {
    const planned = await plan(readJsonl(example), { counter: sharedCounter });
    expect(planned.summary.waves).toBe(2);
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await writePlan(planned, dir);
    const target = await emulator({ timeScale: 3600 }); // as in examples/run-on-emulator.mjs
    const started = Date.now();
    const result = await submit(planned, { client: clientFor(target), planDir: dir });
    const took = Date.now() - started;
    expect(result.status).toBe("ended");
    expect(result.progress.requests.succeeded).toBe(planned.summary.planned);
    // Two waves at the default 10 s interval took over 20 s.
    expect(took).toBeLessThan(5000);
  }, 30_000);

  it("the emulator announces its scale; only a server on this machine is followed", async () => {
    const target = await emulator({ timeScale: 3600 });
    const response = await fetch(`${target.url}/v1/messages/batches`, {
      headers: { "x-api-key": "test" },
    });
    expect(response.headers.get(TIME_SCALE_HEADER)).toBe("3600");
    expect(timeScaleOf(response.url, response.headers)).toBe(3600);
    const headers = new Headers({ [TIME_SCALE_HEADER]: "3600" });
    expect(timeScaleOf("https://api.anthropic.com/v1/messages/batches/x", headers)).toBe(1);
    expect(timeScaleOf("http://localhost:4010/v1/x", headers)).toBe(3600);
    for (const bad of ["0", "-5", "abc", "", "Infinity"]) {
      expect(timeScaleOf("http://127.0.0.1:1/", new Headers({ [TIME_SCALE_HEADER]: bad }))).toBe(1);
    }
  });

  it("divides the interval by the scale, never below the floor, never above the interval", () => {
    expect(scaledInterval(10_000, 1)).toBe(10_000);
    expect(scaledInterval(10_000, 3600)).toBe(MIN_SCALED_POLL_MS);
    expect(scaledInterval(10_000, 60)).toBeCloseTo(166.67, 1);
    expect(scaledInterval(5, 1000)).toBe(5); // a short interval asked for stays as asked
    expect(scaledInterval(60_000, 10)).toBe(6000);
  });
});
