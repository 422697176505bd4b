/**
 * The planner's worker thread (internal, `_pool.ts`): indexes chunks of a JSONL file (parse,
 * validate, measure, hash segments: `_index-chunk.ts`) and, in the copy pass, reads accepted
 * lines again by offset and writes them with the plan's edits. Each worker has its own heap, so
 * the garbage of parsing gigabytes of JSON never reaches the main thread's.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import type { BatchRequest } from "../types.js";
import { ChunkState, indexChunk } from "./_index-chunk.js";
import { applyEdits, type Edit } from "./_placement.js";

/** What the worker is asked. */
export type WorkerTask =
  | { kind: "index"; seq: number; bytes: Uint8Array; offset: number; firstLine: number }
  | {
      kind: "copy";
      seq: number;
      offsets: Float64Array;
      lengths: Uint32Array;
      /** Edits of each request, `editStarts[k]` to `editStarts[k + 1]` in `edits`. */
      editStarts: Uint32Array;
      /** Per edit: segment, cut, TTL (0: 5m, 1: 1h), planner (0/1). */
      edits: Int32Array;
    };

/** How the worker was started. */
export interface WorkerSetup {
  file: string;
  source: string | undefined;
  userMarkers: "keep" | "replace";
}

const setup = workerData as WorkerSetup;
const state = new ChunkState({ userMarkers: setup.userMarkers }, setup.source);
let fd: number | undefined;
let buffer = Buffer.alloc(1 << 20);

function readLine(offset: number, length: number): BatchRequest {
  if (buffer.length < length) buffer = Buffer.alloc(Math.max(length, buffer.length * 2));
  fd ??= openSync(setup.file, "r");
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buffer, got, length - got, offset + got);
    if (n === 0)
      throw new Error(`\`${setup.file}\` changed while planning: a line read earlier is gone.`);
    got += n;
  }
  let text = buffer.toString("utf8", 0, length);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return JSON.parse(text) as BatchRequest;
}

function copy(task: Extract<WorkerTask, { kind: "copy" }>): { text: string; sizes: Uint32Array } {
  const n = task.offsets.length;
  const sizes = new Uint32Array(n);
  const lines: string[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const edits: Edit[] = [];
    for (let e = task.editStarts[k]!; e < task.editStarts[k + 1]!; e++) {
      const at = e * 4;
      edits.push({
        segment: task.edits[at]!,
        cut: task.edits[at + 1]!,
        ttl: task.edits[at + 2] === 1 ? "1h" : "5m",
        planner: task.edits[at + 3] === 1,
      });
    }
    const request = readLine(task.offsets[k]!, task.lengths[k]!);
    const line = JSON.stringify(applyEdits(request, edits, setup.userMarkers === "replace"));
    sizes[k] = Buffer.byteLength(line);
    lines[k] = line;
  }
  return { text: `${lines.join("\n")}\n`, sizes };
}

parentPort!.on("message", (task: WorkerTask | { kind: "close" }) => {
  if (task.kind === "close") {
    if (fd !== undefined) closeSync(fd);
    parentPort!.close();
    return;
  }
  try {
    if (task.kind === "index") {
      const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
      parentPort!.postMessage({
        seq: task.seq,
        records: indexChunk(bytes, task.offset, task.firstLine, state),
      });
    } else {
      const { text, sizes } = copy(task);
      parentPort!.postMessage({ seq: task.seq, text, sizes }, [sizes.buffer as ArrayBuffer]);
    }
  } catch (error) {
    parentPort!.postMessage({
      seq: task.seq,
      error: error instanceof Error ? error.message : String(error),
    });
  }
});
