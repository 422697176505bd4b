/**
 * The runner's pure parts: progress and event text, exit codes, the CLI's `--adopt` /
 * `--recreate` reading, and the cost of a missed 1h window.
 */

import { PassThrough, Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/cli/_exit.js";
import { progressPrinter } from "../../src/cli/_progress.js";
import { directions } from "../../src/cli/commands/submit.js";
import { formatRunWarning, renderProgressLine, renderRunEvent } from "../../src/exports/run.js";
import type { Plan, RunProgress } from "../../src/index.js";
import { missedWindowCost, windowWarning } from "../../src/run/_window.js";

const progress: RunProgress = {
  wave: 1,
  waves: 2,
  batches: { total: 5, created: 5, ended: 3, downloaded: 3 },
  requests: { total: 1000, ended: 600, succeeded: 598, failed: 2, missing: 0 },
  waveRequests: { total: 990, ended: 590 },
  elapsedMs: 1_325_000,
  waveCounts: { processing: 300, succeeded: 688, errored: 2, canceled: 0, expired: 0 },
  hitRate: 0.8734,
  etaMs: 754_000,
};

describe("progress text", () => {
  it("renders the live line: request_counts as they move, elapsed, time left", () => {
    expect(renderProgressLine(progress)).toMatchInlineSnapshot(
      `"wave 1: 690/990 requests done · (300 processing, 688 succeeded, 2 errored) · batches 3/5 ended · hit rate 87.3% · elapsed 22:05 · ~12m left in wave"`,
    );
    expect(
      renderProgressLine({ ...progress, wave: null, hitRate: null, etaMs: null, elapsedMs: null }),
    ).toBe("600/1,000 requests ended · batches 3/5 ended");
  });

  it("shows the counts as reported while no batch of the wave has ended", () => {
    const early: RunProgress = {
      ...progress,
      batches: { total: 1, created: 1, ended: 0, downloaded: 0 },
      waveRequests: { total: 406, ended: 0 },
      waveCounts: { processing: 306, succeeded: 100, errored: 0, canceled: 0, expired: 0 },
    };
    expect(renderProgressLine(early, 80)).toMatch(/^wave 1: 100\/406 requests done/);
  });

  it("fits 40, 80 and 120 columns, dropping the least important parts first", () => {
    const at = (w: number) => renderProgressLine(progress, w);
    for (const w of [40, 80, 120]) expect(at(w).length, at(w)).toBeLessThanOrEqual(w);
    expect(at(40)).toBe("wave 1: 690/990 requests done");
    expect(at(80)).toBe("wave 1: 690/990 requests done · elapsed 22:05 · ~12m left in wave");
    expect(at(120)).toBe(
      "wave 1: 690/990 requests done · (300 processing, 688 succeeded, 2 errored) · elapsed 22:05 · ~12m left in wave",
    );
    // Never a word cut in the middle unless even the first part does not fit.
    expect(at(20)).toBe("wave 1: 690/990 req…");
  });

  it("fits any width (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat({ max: 10_000_000 }), (w, n) => {
        const line = renderProgressLine(
          { ...progress, waveRequests: { total: n, ended: 0 }, elapsedMs: n },
          w,
        );
        return (
          line.length <= w &&
          !line.includes("\r") &&
          !line.includes("\n") &&
          !line.includes("\u001b")
        );
      }),
    );
  });

  it("on a terminal rewrites one line fitted to its width; in a pipe prints plain lines", () => {
    const poll = { type: "poll", progress } as const;
    const tty = Object.assign(new PassThrough(), { columns: 40, isTTY: true });
    let shown = "";
    tty.on("data", (c: Buffer) => {
      shown += c.toString("utf8");
    });
    const io = {
      stdout: tty,
      stderr: new PassThrough(),
      stdin: Readable.from([]),
      env: {},
      cwd: ".",
    };
    const live = progressPrinter(io, "live");
    live.on(poll);
    live.finish();
    expect(shown).toBe("\r\x1b[2Kwave 1: 690/990 requests done\r\x1b[2K");

    const pipe = new PassThrough();
    let logged = "";
    pipe.on("data", (c: Buffer) => {
      logged += c.toString("utf8");
    });
    let clock = 0;
    const lines = progressPrinter({ ...io, stdout: pipe }, "lines", {
      plainEveryMs: 30_000,
      now: () => clock,
    });
    lines.on(poll); // too soon after the start
    clock = 30_000;
    lines.on(poll);
    clock = 40_000;
    lines.on(poll); // too soon after the last
    lines.finish();
    expect(logged).toBe(`${renderProgressLine(progress)}\n`);
    expect(logged).not.toContain("\r");
    expect(logged).not.toContain("\u001b");
  });

  it("renders lasting lines for the events worth keeping, none for polls", () => {
    expect(renderRunEvent({ type: "poll", progress })).toBeNull();
    expect(
      renderRunEvent({
        type: "ended",
        index: 2,
        wave: 1,
        id: "msgbatch_x",
        request_counts: { processing: 0, succeeded: 8, errored: 1, canceled: 0, expired: 1 },
        progress,
      }),
    ).toBe("  batch 2 ended: succeeded 8, errored 1, expired 1");
    expect(
      renderRunEvent({
        type: "adopted",
        index: 3,
        wave: 1,
        id: "msgbatch_y",
        match: "results",
        progress,
      }),
    ).toBe(
      "  adopted batch 3: msgbatch_y, created before the answer was lost (matched by its results' custom_ids)",
    );
    expect(
      renderRunEvent({
        type: "retrying",
        index: 4,
        attempt: 2,
        delayMs: 2000,
        reason: "429 rate_limit_error",
        progress,
      }),
    ).toBe("  batch 4: create attempt 2 failed (429 rate_limit_error); again in 2s");
  });

  it("says what a missed window costs", () => {
    expect(
      formatRunWarning({
        kind: "window",
        wave: 1,
        gapMs: 75 * 60_000,
        severity: "may",
        groups: 2,
        rewrites: 70,
        extraUsd: 1.234,
      }),
    ).toMatchInlineSnapshot(
      `"Wave 1 starts 1h 15m after the previous wave was created, past the 1h TTL of its primers' entries: some primed entries may have expired. Up to 70 requests in 2 groups may write the prefix again instead of reading it: up to $1.23 more than planned. Submitting anyway."`,
    );
  });
});

describe("exit codes", () => {
  const requests = { total: 10, ended: 10, succeeded: 10, failed: 0, missing: 0 };
  it("is 0 when every request succeeded, 1 when some did not or the run was interrupted", () => {
    const ended = { status: "ended", progress: { ...progress, requests } } as const;
    expect(exitCodeOf({ command: "submit", result: ended, signal: null })).toBe(0);
    expect(
      exitCodeOf({
        command: "submit",
        result: {
          status: "ended",
          progress: { ...progress, requests: { ...requests, missing: 1 } },
        },
        signal: null,
      }),
    ).toBe(1);
    const interrupted = { status: "interrupted", progress: { ...progress, requests } } as const;
    expect(exitCodeOf({ command: "submit", result: interrupted, signal: null })).toBe(1);
    // Stopped by a signal: 128 + its number, whatever the requests.
    expect(exitCodeOf({ command: "submit", result: interrupted, signal: "SIGINT" })).toBe(130);
    expect(exitCodeOf({ command: "submit", result: interrupted, signal: "SIGTERM" })).toBe(143);
  });
});

describe("--adopt and --recreate", () => {
  it("reads them by hand so a bare `--recreate` does not swallow the next option", () => {
    expect(directions(["plan", "--recreate", "--json"])).toEqual({
      rest: ["plan", "--json"],
      adopt: [],
      recreate: true,
    });
    expect(directions(["plan", "--recreate", "3,4", "--adopt", "2=msgbatch_a"])).toEqual({
      rest: ["plan"],
      adopt: [{ index: 2, id: "msgbatch_a" }],
      recreate: [3, 4],
    });
    expect(directions(["--adopt=msgbatch_b", "plan"]).adopt).toEqual([
      { index: null, id: "msgbatch_b" },
    ]);
    expect(() => directions(["plan", "--adopt"])).toThrow(/needs `ID` or `INDEX=ID`/);
  });
});

describe("the cost of a missed 1h window", () => {
  // One primed group of 3 on Claude Sonnet 4.5: 1 primer in wave 0, 2 requests in wave 1.
  const plan = {
    options: { concurrency: 64 },
    groups: [
      {
        id: "g1",
        model: "claude-sonnet-4-5",
        sharedTokens: 10_000,
        breakpoints: [{ mode: "primed", ttl: "1h" }],
        customIds: ["a", "b", "c"],
      },
    ],
    batches: [
      { wave: 0, requests: [{ custom_id: "a" }] },
      { wave: 1, requests: [{ custom_id: "b" }, { custom_id: "c" }] },
    ],
  } as unknown as Plan;

  it("prices the re-writes of the primed prefix at the 1h write instead of a read, in batch", () => {
    // Reference: Sonnet 4.5 input $3/MTok (§7), 1h write 2×, read 0.1× (fact 8), batch 0.5×
    // (fact 9). Both wave-1 requests start together and write: 2 × 10,000 × (2 − 0.1) × $3/MTok
    // × 0.5 = $0.057.
    const cost = missedWindowCost(plan, 1);
    expect(cost.groups).toBe(1);
    expect(cost.rewrites).toBe(2);
    expect(cost.extraUsd).toBeCloseTo(0.057, 10);
  });

  it("warns only past 1h from the previous wave's first create; `will` past 1h from its end", () => {
    const hour = 3_600_000;
    const at = (startAt: number) =>
      windowWarning(plan, 1, { previousCreatedAt: 0, previousEndedAt: 0.5 * hour, startAt });
    expect(at(0.9 * hour)).toBeNull();
    expect(at(1.2 * hour)?.severity).toBe("may");
    expect(at(1.6 * hour)?.severity).toBe("will");
  });
});
