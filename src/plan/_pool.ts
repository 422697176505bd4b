/**
 * Worker threads for the planner's two passes over a file (internal). The index pass sends chunks
 * of whole lines to the workers (`_plan-worker.ts`) and takes their records back in file order;
 * the copy pass sends runs of accepted requests (offsets and edits) and writes the lines they
 * return in planned order. Results are consumed strictly in sequence, so the plan does not depend
 * on which worker finished first. Without the compiled worker (running from TypeScript sources)
 * or with `CACHEPLAN_PLAN_WORKERS=0`, the same functions run in the main thread.
 */
import { existsSync } from "node:fs";
import { open } from "node:fs/promises";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { CacheplanError, InputError } from "../errors.js";
import { Collector } from "./_gc.js";
import { ChunkState, type IndexRecord, indexChunk } from "./_index-chunk.js";
import type { WorkerSetup, WorkerTask } from "./_plan-worker.js";

/** Bytes of whole lines sent to a worker at once. */
const CHUNK_BYTES = 2 * 2 ** 20;
/** Input bytes indexed between two garbage collections of the main thread (`_gc.ts`). */
export const GC_EVERY_BYTES = 128 * 2 ** 20;
/** Tasks in flight per worker (one running, one queued). */
const IN_FLIGHT = 2;
/** Old-generation heap of each worker, in MB: its garbage stays small. */
const WORKER_HEAP_MB = 48;

/** How many workers to start: `CACHEPLAN_PLAN_WORKERS`, else one per core (at most 4). */
export function workerCount(): number {
  const env = process.env.CACHEPLAN_PLAN_WORKERS;
  if (env !== undefined && /^\d+$/.test(env)) return Number(env);
  return Math.min(4, Math.max(1, os.availableParallelism()));
}

/** A task without its sequence number (given by `run`). */
type TaskBody = WorkerTask extends infer T
  ? T extends WorkerTask
    ? Omit<T, "seq">
    : never
  : never;

type Reply = { seq: number; error?: string } & Record<string, unknown>;

/** A few workers and a queue of tasks; `run` resolves with the worker's reply. */
export class PlanPool {
  readonly #workers: { worker: Worker; busy: number }[] = [];
  readonly #waiting = new Map<
    number,
    { resolve: (r: Reply) => void; reject: (e: Error) => void }
  >();
  #seq = 0;

  private constructor(setup: WorkerSetup, count: number, script: string) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(script, {
        workerData: setup,
        resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 8 },
      });
      const slot = { worker, busy: 0 };
      worker.on("message", (reply: Reply) => {
        slot.busy -= 1;
        const waiting = this.#waiting.get(reply.seq);
        this.#waiting.delete(reply.seq);
        if (reply.error !== undefined) waiting?.reject(new Error(reply.error));
        else waiting?.resolve(reply);
      });
      worker.on("error", (error) => {
        const reason = workerFailure(error);
        for (const w of this.#waiting.values()) w.reject(reason);
        this.#waiting.clear();
      });
      this.#workers.push(slot);
    }
  }

  /** A pool, or undefined when workers are off or the compiled worker is not there. */
  static create(setup: WorkerSetup): PlanPool | undefined {
    const count = workerCount();
    const script = fileURLToPath(new URL("./_plan-worker.js", import.meta.url));
    if (count === 0 || !existsSync(script)) return undefined;
    return new PlanPool(setup, count, script);
  }

  /** Workers in the pool. */
  get size(): number {
    return this.#workers.length;
  }

  /** Runs a task on the least busy worker. */
  run(task: TaskBody, transfer: ArrayBuffer[] = []): Promise<Reply> {
    const seq = this.#seq++;
    const slot = this.#workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy += 1;
    const reply = new Promise<Reply>((resolve, reject) => {
      this.#waiting.set(seq, { resolve, reject });
      slot.worker.postMessage({ ...task, seq }, transfer);
    });
    // Queued replies are awaited in order: one that fails while an earlier one is awaited is not
    // an unhandled rejection (it is thrown when its turn comes, or the plan stops before).
    reply.catch(() => {});
    return reply;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map(({ worker }) => worker.terminate()));
  }
}

/** A worker's death as the error to show: running out of its capped heap says what to do. */
function workerFailure(error: Error): Error {
  if ((error as NodeJS.ErrnoException).code !== "ERR_WORKER_OUT_OF_MEMORY") return error;
  return new CacheplanError(
    "worker-out-of-memory",
    `A planning worker ran out of memory (each has a ${WORKER_HEAP_MB} MB heap, so that planning stays in bounded memory); nothing was written. Plan again with \`CACHEPLAN_PLAN_WORKERS=0\` (in one thread, with Node's own heap limit), and please report the job's shape (line count, longest line).`,
    { cause: error },
  );
}

/** Chunks of whole lines of a file: bytes, file offset, number of the first line. */
async function* chunksOf(
  file: string,
  source: string,
): AsyncGenerator<{ bytes: Buffer; offset: number; firstLine: number }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : (error as Error).message;
    throw new InputError(
      `Cannot read requests from \`${source}\`: ${why}. Check the path; pass \`-\` to read standard input.`,
      source,
      { cause: error },
    );
  }
  try {
    let carry = Buffer.alloc(0); // the start of a line cut by the previous read
    let offset = 0; // file offset of carry[0]
    let position = 0;
    let line = 1;
    for (;;) {
      // Memory of its own (never Node's shared pool): the chunk is transferred to a worker.
      const chunk = Buffer.allocUnsafeSlow(carry.length + CHUNK_BYTES);
      carry.copy(chunk, 0);
      let got: number;
      try {
        ({ bytesRead: got } = await handle.read(chunk, carry.length, CHUNK_BYTES, position));
      } catch (error) {
        const isDir = (error as NodeJS.ErrnoException).code === "EISDIR";
        throw new InputError(
          `Cannot read requests from \`${source}\`: ${isDir ? "it is a folder" : (error as Error).message}. Check the path; pass \`-\` to read standard input.`,
          source,
          { cause: error },
        );
      }
      if (got === 0) break;
      position += got;
      const data = chunk.subarray(0, carry.length + got);
      const last = data.lastIndexOf(0x0a);
      if (last < 0) {
        carry = data;
        continue;
      }
      carry = Buffer.from(data.subarray(last + 1));
      const whole = data.subarray(0, last + 1);
      const lines = countLines(whole);
      yield { bytes: whole, offset, firstLine: line };
      line += lines;
      offset += last + 1;
    }
    if (carry.length > 0) yield { bytes: unpooled(carry), offset, firstLine: line };
  } finally {
    await handle.close();
  }
}

/** A copy in memory of its own (never Node's shared pool), so it can be transferred to a worker. */
function unpooled(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(out);
  return out;
}

function countLines(bytes: Buffer): number {
  let n = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, at + 1)) n += 1;
  return n;
}

/**
 * The index pass over `file`: each chunk indexed (by the pool's workers, or here), its records
 * given to `take` in file order. Returns the number of lines that were not blank.
 */
export async function indexFile(
  file: string,
  source: string,
  userMarkers: "keep" | "replace",
  pool: PlanPool | undefined,
  take: (record: IndexRecord) => void,
): Promise<number> {
  let items = 0;
  const collector = new Collector(GC_EVERY_BYTES);
  const consume = (records: IndexRecord[], bytes: number) => {
    for (const record of records) take(record);
    items += records.length;
    collector.add(bytes);
  };
  if (pool === undefined) {
    const state = new ChunkState({ userMarkers }, source);
    for await (const { bytes, offset, firstLine } of chunksOf(file, source))
      consume(indexChunk(bytes, offset, firstLine, state), bytes.length);
    return items;
  }
  const queue: { size: number; reply: Promise<Reply> }[] = [];
  const next = async () => {
    const { size, reply } = queue.shift()!;
    consume((await reply).records as IndexRecord[], size);
  };
  for await (const { bytes, offset, firstLine } of chunksOf(file, source)) {
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    queue.push({
      size: bytes.length,
      reply: pool.run({ kind: "index", bytes: view, offset, firstLine }, [
        bytes.buffer as ArrayBuffer,
      ]),
    });
    while (queue.length >= pool.size * IN_FLIGHT) await next();
  }
  while (queue.length > 0) await next();
  return items;
}
