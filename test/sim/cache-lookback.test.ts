import { describe, expect, it } from "vitest";
import { CacheState } from "../../src/exports/sim.js";
import { LOOKBACK_POSITIONS } from "../../src/targets/anthropic/index.js";
import { request, text } from "../helpers/requests.js";
import { words } from "../helpers/word-counter.js";
import { run, usage } from "./_helpers.js";

// Reference fact 3 / §1.3: "The system checks at most 20 positions per breakpoint, counting the
// breakpoint itself as the first"; a run of consecutive tool_use blocks counts as one position,
// and so does a run of consecutive tool_result blocks; only entries earlier requests wrote count.

const SYSTEM = words("system", 1500); // position 0, 1,500 tokens

/** A writer that caches the system prompt alone (5m marker on system[0], position 0). */
const writer = request("writer", {
  system: [text(SYSTEM, "5m")],
  user: words("hi", 10),
});

/**
 * A reader with the same system prompt (unmarked), then `blocks` user blocks of 10 tokens at
 * positions 1..blocks, the last one marked 5m, then an unmarked 5-token tail.
 */
function reader(blocks: number, systemTtl?: "5m") {
  const content = [];
  for (let i = 1; i <= blocks; i++) {
    content.push(text(words(`b${i}`, 10), i === blocks ? "5m" : undefined));
  }
  content.push(text(words("tail", 5)));
  return request(`reader${blocks}`, {
    system: [text(SYSTEM, systemTtl)],
    messages: [{ role: "user", content }],
  });
}

describe("lookback window (fact 3)", () => {
  it("is 20 positions, the breakpoint's own included", () => {
    expect(LOOKBACK_POSITIONS).toBe(20);
  });

  it("finds an entry 19 positions back: positions 19, 18, ..., 0 are the 20 checked", () => {
    const cache = new CacheState();
    run(cache, writer, 0);
    // Breakpoint on b19 at position 19; the entry is at position 0, 19 positions back, the 20th
    // position checked. A = 1,500; C = 1,500 + 19 × 10 = 1,690; total = 1,695.
    expect(run(cache, reader(19), 5_000)).toEqual(usage(5, 1500, 190, 0));
  });

  it("misses an entry 20 positions back: positions 20 down to 1 are the 20 checked", () => {
    const cache = new CacheState();
    run(cache, writer, 0);
    // Breakpoint on b20 at position 20; checking stops at position 1, so the entry at 0 is not
    // found. A = 0; C = 1,500 + 200 = 1,700, all written (5m); total = 1,705.
    expect(run(cache, reader(20), 5_000)).toEqual(usage(5, 0, 1700, 0));
  });

  it("resumes at the next earlier breakpoint when the window misses (§1.3)", () => {
    const cache = new CacheState();
    run(cache, writer, 0);
    // Same reader as above plus a second marker on system[0]: b20's window misses, then the
    // walk resumes from system[0] and finds the writer's entry. A = 1,500, C = 1,700.
    expect(run(cache, reader(20, "5m"), 5_000)).toEqual(usage(5, 1500, 200, 0));
  });
});

describe("tool_use / tool_result runs fold into one position (fact 3)", () => {
  /**
   * system (pos 0) · user "u" (pos 1) · assistant 10 × tool_use (pos 2) · user 10 × tool_result
   * (pos 3) · then `extra` single-text turns at positions 4.. · the last one marked.
   */
  function toolReader(extra: number) {
    const uses = Array.from({ length: 10 }, (_, i) => ({
      type: "tool_use",
      id: `toolu_${i}`,
      name: "lookup",
      input: { q: i },
    }));
    const results = Array.from({ length: 10 }, (_, i) => ({
      type: "tool_result",
      tool_use_id: `toolu_${i}`,
      content: `result ${i}`,
    }));
    const messages: Array<Record<string, unknown>> = [
      { role: "user", content: [text(words("u", 5))] },
      { role: "assistant", content: uses },
      { role: "user", content: results },
    ];
    for (let i = 0; i < extra; i++) {
      messages.push({
        role: i % 2 === 0 ? "assistant" : "user",
        content: [text(words(`t${i}`, 10), i === extra - 1 ? "5m" : undefined)],
      });
    }
    return request(`tools${extra}`, { system: [text(SYSTEM)], messages });
  }

  it("finds the entry 19 positions (37 blocks) back", () => {
    const cache = new CacheState();
    run(cache, writer, 0);
    // 16 extra turns: positions 4..19, the marker at position 19; 1 + 1 + 10 + 10 + 16 = 38
    // segments, the entry is 37 blocks back but 19 positions back. Tool blocks count 10 tokens
    // each (no text); a tool_result's content "result i" is a text block of its own inside it
    // (2 tokens, same position). C = 1,500 + 5 + 100 + 100 + 20 + 160 = 1,885; A = 1,500.
    expect(run(cache, toolReader(16), 5_000)).toEqual(usage(0, 1500, 385, 0));
  });

  it("misses it one position further (20 positions back)", () => {
    const cache = new CacheState();
    run(cache, writer, 0);
    // 17 extra turns: the marker at position 20. C = 1,895, all written.
    expect(run(cache, toolReader(17), 5_000)).toEqual(usage(0, 0, 1895, 0));
  });
});
