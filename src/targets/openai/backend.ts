/**
 * The OpenAI Batch API as a runner backend (`src/run/backend.ts`), through the `openai` SDK
 * (reference §4.2-4.5): a create uploads the batch's lines as a file with `purpose: "batch"`,
 * then creates the batch with the plan's adoption tag in `metadata.cacheplan`, so a batch whose
 * create answer was lost is found again by its tag (`adoption: "tag"`). Results are the output
 * file's lines, then the error file's, matched by `custom_id` in any order.
 */
import type OpenAI from "openai";
import type {
  BatchBackend,
  BatchInfo,
  CallOptions,
  CreateInput,
  CreateOutcome,
} from "../../run/backend.js";
import { withTimeScale } from "../../run/clock.js";
import { secretsOf } from "../../run/redact.js";
import { isObject } from "../../util/json.js";
import { importPeer } from "../peer.js";
import { toBatchLine } from "./format.js";
import { COMPLETION_WINDOW } from "./limits.js";
import { readResult } from "./results.js";
import { USAGE_FIELDS } from "./usage.js";

type Batch = OpenAI.Batches.Batch;

/** The shape of a batch id: `batch_` then letters, digits, `_` and `-`. */
export const OPENAI_BATCH_ID = /^batch_[A-Za-z0-9_-]{1,128}$/;

/** The metadata key that holds the adoption tag. */
export const TAG_KEY = "cacheplan";

/** Batches looked at when finding a batch by its tag: creates of the last few hours are among them. */
const LIST_LIMIT = 200;

const iso = (seconds: number | null | undefined) =>
  seconds == null ? null : new Date(seconds * 1000).toISOString();

/** An OpenAI batch as the runner knows batches (reference §4.5 states; §4.4 counts). */
export function infoOf(batch: Batch, timeScale?: number): BatchInfo {
  const status = batch.status;
  const state =
    status === "cancelling"
      ? "canceling"
      : status === "completed" ||
          status === "failed" ||
          status === "expired" ||
          status === "cancelled"
        ? "ended"
        : "in_progress";
  const c = batch.request_counts ?? { total: 0, completed: 0, failed: 0 };
  const rest = Math.max(0, c.total - c.completed - c.failed);
  const ended = state === "ended";
  return {
    id: batch.id,
    state,
    counts: {
      processing: ended ? 0 : rest,
      succeeded: c.completed,
      errored: c.failed,
      canceled: ended && status === "cancelled" ? rest : 0,
      expired: ended && status !== "cancelled" ? rest : 0,
    },
    createdAt: iso(batch.created_at)!,
    expiresAt: iso(batch.expires_at) ?? iso(batch.created_at + 24 * 3600)!,
    endedAt: iso(batch.completed_at ?? batch.failed_at ?? batch.expired_at ?? batch.cancelled_at),
    cancelInitiatedAt: iso(batch.cancelling_at),
    archived: false,
    tag:
      isObject(batch.metadata) && typeof batch.metadata[TAG_KEY] === "string"
        ? (batch.metadata[TAG_KEY] as string)
        : null,
    ...(timeScale === undefined ? {} : { timeScale }),
    raw: batch,
  };
}

/** An error of the upload step: no batch can exist yet. */
class UploadError extends Error {
  override name = "UploadError";
  readonly status: number | undefined;
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.status = (cause as { status?: number }).status;
    Object.assign(this, { headers: (cause as { headers?: unknown }).headers });
  }
}

/** A runner backend calling the OpenAI API through `client`. */
export function openaiBackend(client: OpenAI): BatchBackend {
  const fileLines = async function* (
    id: string | null | undefined,
    o: CallOptions,
  ): AsyncGenerator<unknown> {
    if (!id) return;
    const text = await (await client.files.content(id, o)).text();
    for (const line of text.split("\n")) if (line.trim() !== "") yield JSON.parse(line);
  };
  return {
    target: "openai",
    name: "the OpenAI API",
    batchNoun: "OpenAI batch",
    idPattern: OPENAI_BATCH_ID,
    idShape: "`batch_` then letters and digits",
    endpointEnv: "OPENAI_BASE_URL",
    adoption: "tag",
    secrets: secretsOf(client),
    usage: USAGE_FIELDS,
    readResult,
    async create(input: CreateInput, o: CallOptions) {
      const lines = input.requests.map((r) =>
        toBatchLine(r as unknown as { custom_id: string; params: Record<string, unknown> }),
      );
      const endpoint = lines[0]?.url ?? "/v1/chat/completions";
      const text = `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
      const { toFile } = await importPeer(() => import("openai"), "openai", "6", "--target openai");
      let fileId: string;
      try {
        const file = await client.files.create(
          { file: await toFile(Buffer.from(text), `${input.tag}.jsonl`), purpose: "batch" },
          o,
        );
        fileId = file.id;
      } catch (error) {
        throw new UploadError(error);
      }
      const batch = await client.batches.create(
        {
          input_file_id: fileId,
          endpoint: endpoint as OpenAI.Batches.BatchCreateParams["endpoint"],
          completion_window: COMPLETION_WINDOW,
          metadata: { [TAG_KEY]: input.tag },
        },
        o,
      );
      return infoOf(batch);
    },
    async retrieve(id: string, o: CallOptions) {
      let scale: number | undefined;
      const batch = await withTimeScale(client.batches.retrieve(id, o), (s) => {
        scale = s;
      });
      return infoOf(batch, scale);
    },
    async cancel(id: string, o: CallOptions) {
      return infoOf(await client.batches.cancel(id, o));
    },
    async results(id: string, o: CallOptions) {
      const batch = await client.batches.retrieve(id, o);
      return (async function* () {
        yield* fileLines(batch.output_file_id, o);
        yield* fileLines(batch.error_file_id, o);
      })();
    },
    async list(_since: string | null, o: CallOptions) {
      const all: BatchInfo[] = [];
      for await (const batch of client.batches.list({ limit: 100 }, o)) {
        all.push(infoOf(batch));
        if (all.length >= LIST_LIMIT) break;
      }
      return all;
    },
    async newest(o: CallOptions) {
      const page = await client.batches.list({ limit: 1 }, o);
      return page.data[0]?.id ?? null;
    },
    createOutcome(error: unknown): CreateOutcome | undefined {
      if (!(error instanceof UploadError)) return undefined;
      // The upload failed: no batch exists. A 4xx other than 429 will fail again as it is.
      const s = error.status;
      return s !== undefined && s >= 400 && s < 500 && s !== 408 && s !== 409 && s !== 429
        ? "refused"
        : "not-created";
    },
  };
}
