/**
 * Helpers of the cloud target tests (Vertex AI, Amazon Bedrock): the AWS environment of a test,
 * a requests file of tickets, a run stopped after a create, and a run's results read back.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { vi } from "vitest";
import { type Plan, type RunEvent, type SubmitResult, submit } from "../../src/index.js";
import { readJsonl } from "../../src/io/jsonl.js";
import { FAST_POLL } from "./run-job.js";
import { words } from "./word-counter.js";

/** Stubs throwaway AWS keys and a region, then `vars` (undo with `vi.unstubAllEnvs()`). */
export function stubAwsEnv(vars: Record<string, string> = {}): void {
  vi.stubEnv("AWS_ACCESS_KEY_ID", "test-access-key");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test-secret-key");
  vi.stubEnv("AWS_REGION", "us-east-1");
  for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
}

/** Writes `dir/requests.jsonl`: `n` tickets under one ~600-word system prompt (claude-sonnet-4-6). */
export async function writeTickets(dir: string, n: number, seed: string): Promise<void> {
  const system = `Classify the ticket. ${words(`${seed}-rubric`, 600)}`;
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      custom_id: `t_${i}`,
      params: {
        model: "claude-sonnet-4-6",
        max_tokens: 16,
        system,
        messages: [{ role: "user", content: `Ticket ${i}: ${words(`${seed}${i}`, 12)}` }],
      },
    }),
  );
  await writeFile(path.join(dir, "requests.jsonl"), `${lines.join("\n")}\n`);
}

/** Submits `plan` and stops the run at the first event `stopAt` accepts (default: a create). */
export function submitStopped(
  plan: Plan,
  dir: string,
  client: object,
  stopAt: (e: RunEvent) => boolean = (e) => e.type === "created",
): Promise<SubmitResult> {
  const stop = new AbortController();
  return submit(plan, {
    planDir: dir,
    client,
    poll: FAST_POLL,
    signal: stop.signal,
    onProgress: (e) => {
      if (stopAt(e)) stop.abort();
    },
  });
}

/** Every line of a run's results files, in file order. */
export async function resultLines(dir: string, files: readonly string[]): Promise<unknown[]> {
  const lines: unknown[] = [];
  for (const file of files) for await (const l of readJsonl(path.join(dir, file))) lines.push(l);
  return lines;
}

/** The request ids of a run's results files, as `target` reads its result lines. */
export async function resultIds(
  target: { readResult(line: unknown): { id: string } | undefined | null },
  dir: string,
  files: readonly string[],
): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const file of files)
    for (const line of (await readFile(path.join(dir, file), "utf8")).trim().split("\n"))
      ids.add(target.readResult(JSON.parse(line))!.id);
  return ids;
}
