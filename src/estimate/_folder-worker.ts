/**
 * A worker thread of the large-plan estimate (internal): scans the batches it is given
 * (`_folder-scan.ts`) and posts each batch's reduction, then the sample candidates; an error is
 * posted with its class name, message and path, so the caller throws the same error.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type BatchScan, type ScanSettings, scanBatches } from "./_folder-scan.js";

/** What the worker posts. */
export type WorkerMessage =
  | { kind: "batch"; scan: BatchScan }
  | { kind: "done"; candidates: Awaited<ReturnType<typeof scanBatches>> }
  | { kind: "error"; name: string; message: string; path: string | undefined };

const { settings, which } = workerData as { settings: ScanSettings; which: number[] };
const port = parentPort!;
try {
  const candidates = await scanBatches(settings, which, (scan) => {
    const { start, key, kind, chars } = scan.segments;
    const arrays: Array<ArrayBufferView | undefined> = [
      ...[scan.model, scan.geo, scan.maxTokens, scan.markers, scan.tails, scan.keys],
      ...[start, key, kind, chars],
    ];
    const buffers = arrays.filter((a) => a !== undefined).map((a) => a.buffer as ArrayBuffer);
    port.postMessage({ kind: "batch", scan } satisfies WorkerMessage, buffers);
  });
  port.postMessage({ kind: "done", candidates } satisfies WorkerMessage);
} catch (error) {
  const e = error as Error & { path?: string };
  port.postMessage({
    kind: "error",
    name: e.name,
    message: e.message,
    path: e.path,
  } satisfies WorkerMessage);
}
