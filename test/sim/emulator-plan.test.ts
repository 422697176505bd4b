/**
 * The emulator runs a cacheplan `plan()` as the API would, and agrees with `simulate()`: same
 * cache model, same processing rules, same random draws for one batch created alone.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type BatchRequest, plan, prepareTokens, simulate } from "../../src/index.js";
import {
  advanceUntilEnded,
  clientFor,
  closeEmulators,
  emulator,
  resultsOf,
  sharedCounter,
} from "../helpers/emulator.js";
import { words } from "../helpers/word-counter.js";

afterEach(closeEmulators);

const MODEL = "claude-sonnet-4-6"; // minimum cacheable prefix 1,024 tokens (reference §2)

/** `n` requests under one ~1,500-token system prompt, each with its own short question. */
function sharedPrefixJob(n: number, prefix = "rubric"): BatchRequest[] {
  const system = `Classify the ticket. ${words(prefix, 1500)}`;
  return Array.from({ length: n }, (_, i) => ({
    custom_id: `${prefix}-${i}`,
    params: {
      model: MODEL,
      max_tokens: 32,
      system,
      messages: [{ role: "user", content: `Ticket ${i}: ${words(`t${i}`, 20)}` }],
    },
  }));
}

describe("a primed plan through the emulator", () => {
  it("wave 0 writes the group's prefix, wave 1 reads it", async () => {
    const planned = await plan(sharedPrefixJob(30), { strategy: "primed", counter: sharedCounter });
    expect(planned.rejected).toEqual([]);
    expect(planned.groups).toHaveLength(1);
    const waves = [...new Set(planned.batches.map((b) => b.wave))].sort();
    expect(waves).toEqual([0, 1]);
    const primers = new Set(planned.groups[0]!.primers);
    expect(primers.size).toBe(1);

    // A stopped clock polled once per simulated minute: the 1h entry must outlive the gap between
    // the primer's start and wave 1's requests, whatever the machine's load.
    const target = await emulator({ timeScale: 0 });
    const client = clientFor(target);
    const usage = new Map<string, { read: number; write: number }>();
    for (const wave of waves) {
      const ids: string[] = [];
      for (const batch of planned.batches.filter((b) => b.wave === wave)) {
        ids.push((await client.messages.batches.create({ requests: batch.requests })).id);
      }
      for (const id of ids) {
        await advanceUntilEnded(target, client, id);
        for (const { custom_id, result } of await resultsOf(client, id)) {
          if (result.type !== "succeeded") throw new Error(`${custom_id}: ${result.type}`);
          const u = result.message.usage;
          usage.set(custom_id, {
            read: u.cache_read_input_tokens ?? 0,
            write: u.cache_creation_input_tokens ?? 0,
          });
        }
      }
    }

    expect(usage.size).toBe(30);
    for (const [id, u] of usage) {
      if (primers.has(id)) {
        expect(u, id).toMatchObject({ read: 0 });
        expect(u.write, id).toBeGreaterThan(1024);
      } else {
        // Reference fact 16 / §10: after a primer batch, the rest read the prefix.
        expect(u.read, id).toBeGreaterThan(1024);
        expect(u.write, id).toBe(0);
      }
    }
  });
});

describe("agreement with simulate()", () => {
  it("one batch created alone gets the same usage per request as simulate() with the same seed", async () => {
    // 100 requests of one group, cold, 5m markers: the first `concurrency` (64) write, the rest
    // read. Both sides draw start delay, queue order and slot jitter from the same seeded stream.
    const requests = sharedPrefixJob(100, "agree").map((r) => ({
      ...r,
      params: {
        ...r.params,
        system: [
          {
            type: "text" as const,
            text: r.params.system as string,
            cache_control: { type: "ephemeral" as const },
          },
        ],
      },
    }));
    const job = { batches: [{ wave: 0, requests }] };
    const counter = sharedCounter;
    const simulated = simulate(job, { tokensOf: await prepareTokens(job, counter), seed: 3 });

    const target = await emulator({ seed: 3, timeScale: 0, counter });
    const client = clientFor(target);
    const batch = await client.messages.batches.create({ requests });
    target.advance(2 * 60 * 60_000);
    const emulated = new Map(
      (await resultsOf(client, batch.id)).map((r) => [r.custom_id, r.result] as const),
    );

    let reads = 0;
    for (const { custom_id, response } of simulated.requests) {
      const mine = emulated.get(custom_id);
      if (response.result.type !== "succeeded" || mine?.type !== "succeeded") {
        throw new Error(`${custom_id}: not succeeded on both sides`);
      }
      expect(mine.message.usage, custom_id).toEqual(response.result.message.usage);
      if ((mine.message.usage.cache_read_input_tokens ?? 0) > 0) reads += 1;
    }
    expect(reads).toBe(36); // 100 − 64 concurrent cold writers
    const ended = await client.messages.batches.retrieve(batch.id);
    const sim = simulated.batches[0];
    if (sim?.state !== "ended") throw new Error("simulated batch did not run");
    expect(Date.parse(ended.ended_at!) - Date.parse(ended.created_at)).toBe(
      Math.trunc(sim.endedAt) - Math.trunc(sim.createdAt),
    );
  });
});
