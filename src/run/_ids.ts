/**
 * Batch ids from the server (internal). They become parts of file names
 * (`results/<batch>-<id>.jsonl`) and of URLs, so an id is checked against the backend's shape
 * before it is used or recorded (`backend.ts`): for the Anthropic API `msgbatch_` and letters and
 * digits (e.g. `msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d`, the shape the emulator also gives,
 * `src/sim/_emulator-api.ts`). Anything else (a `/`, a `..`) is refused with a clear error: the
 * server is not the system it claims to be.
 */
import type { BatchBackend } from "./backend.js";
import { RunError } from "./errors.js";
import { redactSecrets } from "./redact.js";

/** What the checks and their messages need of a backend. */
export type IdRule = Pick<
  BatchBackend,
  "idPattern" | "idShape" | "batchNoun" | "endpointEnv" | "name"
>;

/** The shape of a Message Batch id. */
export const BATCH_ID = /^msgbatch_[A-Za-z0-9]{1,128}$/;

/** The Anthropic API's ids (the default rule). */
export const ANTHROPIC_IDS: IdRule = {
  idPattern: BATCH_ID,
  idShape: "`msgbatch_` then letters and digits",
  batchNoun: "Message Batch",
  endpointEnv: "ANTHROPIC_BASE_URL",
  name: "the Anthropic API",
};

/** An id as it can be shown: quoted and escaped, cut short, redacted. */
export function showId(id: unknown): string {
  const text = typeof id === "string" ? id : String(id);
  const cut = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(redactSecrets(cut));
}

/** Whether `id` has the rule's shape and is safe in a file name (no `/`, no `..`). */
export function isBatchId(id: unknown, rule: IdRule = ANTHROPIC_IDS): id is string {
  return (
    typeof id === "string" && rule.idPattern.test(id) && !id.includes("/") && !id.includes("..")
  );
}

/**
 * Checks an id the server gave.
 *
 * @throws {RunError} `bad-answer` when it is not shaped like a batch id.
 */
export function checkBatchId(id: unknown, where: string, rule: IdRule = ANTHROPIC_IDS): string {
  if (isBatchId(id, rule)) return id;
  throw new RunError(
    "bad-answer",
    `The API answered ${where} with the batch id ${showId(id)}, which is not a ${rule.batchNoun} id (${rule.idShape}). cacheplan uses batch ids in file names and will not use this one. Check \`${rule.endpointEnv}\`: it points at a server that is not ${rule.name} (unset it to use the API).`,
  );
}

/** "the server is not the Anthropic API (check `ANTHROPIC_BASE_URL`)", for the rule's system. */
export function notTheApi(rule: IdRule = ANTHROPIC_IDS): string {
  return `the server is not ${rule.name} (check \`${rule.endpointEnv}\`)`;
}
