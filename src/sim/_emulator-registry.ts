/**
 * The emulator's batches by id and in creation order (internal): lookup per workspace, cursors
 * and pages of list calls, deletion, and the counts of what was created.
 */
import type { BatchRun } from "./_emulator-batch.js";

export class BatchRegistry {
  readonly #byId = new Map<string, BatchRun>();
  /** Every batch ever created, in creation order (deleted ones stay, for cursors). */
  readonly #all: BatchRun[] = [];

  /** The `seq` the next batch gets. */
  get nextSeq(): number {
    return this.#all.length;
  }

  add(run: BatchRun): void {
    this.#all.push(run);
    this.#byId.set(run.id, run);
  }

  /** Every batch not deleted, in creation order. */
  live(): BatchRun[] {
    return this.#all.filter((run) => !run.deleted);
  }

  /** The batch with `id` in `workspace`, unless deleted. */
  get(id: string, workspace: string): BatchRun | undefined {
    const run = this.#byId.get(id);
    return run && !run.deleted && run.workspace === workspace ? run : undefined;
  }

  /** The cursor batch of a list call, deleted or not; `undefined` when no batch had that id. */
  cursor(id: string): BatchRun | undefined {
    return this.#all.find((run) => run.id === id);
  }

  /**
   * One page of the workspace's batches, newest first, as the SDK's `Page` reads it
   * (core/pagination.js): `after_id` pages towards older batches, `before_id` towards newer.
   */
  list(
    workspace: string,
    limit: number,
    cursor: { afterSeq?: number; beforeSeq?: number },
  ): { runs: BatchRun[]; hasMore: boolean } {
    const live = this.#all.filter((r) => !r.deleted && r.workspace === workspace);
    const newestFirst = live.reverse();
    if (cursor.beforeSeq !== undefined) {
      const newer = newestFirst.filter((r) => r.seq > cursor.beforeSeq!);
      // The `limit` batches immediately newer than the cursor, still newest first.
      const runs = newer.slice(Math.max(0, newer.length - limit));
      return { runs, hasMore: newer.length > limit };
    }
    const older =
      cursor.afterSeq === undefined
        ? newestFirst
        : newestFirst.filter((r) => r.seq < cursor.afterSeq!);
    return { runs: older.slice(0, limit), hasMore: older.length > limit };
  }

  /** Deletes an ended batch: it is gone from `get` and `list`, but still works as a cursor. */
  delete(run: BatchRun): void {
    run.deleted = true;
    this.#byId.delete(run.id);
    run.requests = [];
    run.results = [];
    run.done = [];
  }

  /** Requests submitted in batches so far. */
  get batchRequests(): number {
    let n = 0;
    for (const run of this.#all) n += run.size;
    return n;
  }

  get batchesCreated(): number {
    return this.#all.length;
  }

  get batchesDeleted(): number {
    return this.#all.filter((r) => r.deleted).length;
  }
}
