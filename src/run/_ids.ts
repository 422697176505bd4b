/**
 * Batch ids from the server (internal). They become parts of file names
 * (`results/<batch>-<id>.jsonl`) and of URLs, so an id is checked against the API's shape before
 * it is used or recorded: `msgbatch_` and letters and digits (e.g. `msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d`,
 * the shape the emulator also gives, `src/sim/_emulator-api.ts`). Anything else (a `/`, a `..`)
 * is refused with a clear error: the server is not the Anthropic API.
 */
import { RunError } from "./errors.js";
import { redactSecrets } from "./redact.js";

/** The shape of a Message Batch id. */
export const BATCH_ID = /^msgbatch_[A-Za-z0-9]{1,128}$/;

/** An id as it can be shown: quoted and escaped, cut short, redacted. */
export function showId(id: unknown): string {
  const text = typeof id === "string" ? id : String(id);
  const cut = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(redactSecrets(cut));
}

/**
 * Checks an id the server gave.
 *
 * @throws {RunError} `bad-answer` when it is not shaped like a batch id.
 */
export function checkBatchId(id: unknown, where: string): string {
  if (typeof id === "string" && BATCH_ID.test(id)) return id;
  throw new RunError(
    "bad-answer",
    `The API answered ${where} with the batch id ${showId(id)}, which is not a Message Batch id (\`msgbatch_\` then letters and digits). cacheplan uses batch ids in file names and will not use this one. Check \`ANTHROPIC_BASE_URL\`: it points at a server that is not the Anthropic API (unset it to use the API).`,
  );
}
