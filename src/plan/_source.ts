/**
 * Where the planner reads an accepted request again (internal). The planner keeps no request
 * objects (a job of millions does not fit in memory): the index pass records where each accepted
 * request is, and the few stages that need a request's blocks (labels, shared texts to count, the
 * copy pass) read it again from here. A file source keeps 12 bytes per request (offset and length)
 * and reads the line back by its offset; a memory source holds the caller's objects, which the
 * caller holds anyway.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { type WalkedSegment, walkedSegments } from "../request/segments.js";
import type { BatchRequest } from "../types.js";
import type { Json } from "../util/json.js";

/** Requests read again recently, kept parsed: labels and counts ask for the same few again. */
const RECENT = 64;

/** Accepted requests by accepted index, read again on demand. */
export abstract class RequestSource {
  readonly #recent = new Map<number, { request: BatchRequest; walked?: WalkedSegment[] }>();

  /** Number of requests recorded. */
  abstract get size(): number;

  /** Reads request `index` again (a fresh object for a file source). */
  protected abstract read(index: number): BatchRequest;

  /** Request `index`, parsed (the same object for a while after). */
  load(index: number): BatchRequest {
    return this.#entry(index).request;
  }

  /** Request `index` read again and not kept (the copy pass reads each request once). */
  fresh(index: number): BatchRequest {
    return this.#recent.get(index)?.request ?? this.read(index);
  }

  /** The segments of request `index` as the walk meets them (blocks, locations). */
  walked(index: number): WalkedSegment[] {
    const entry = this.#entry(index);
    entry.walked ??= walkedSegments(entry.request.params as unknown as Json);
    return entry.walked;
  }

  #entry(index: number): { request: BatchRequest; walked?: WalkedSegment[] } {
    let entry = this.#recent.get(index);
    if (entry !== undefined) return entry;
    entry = { request: this.read(index) };
    if (this.#recent.size >= RECENT) {
      const oldest = this.#recent.keys().next().value as number;
      this.#recent.delete(oldest);
    }
    this.#recent.set(index, entry);
    return entry;
  }

  /** Releases what the source holds open. */
  close(): void {
    this.#recent.clear();
  }
}

/** The caller's request objects (what `plan()` returns holds them anyway). */
export class MemorySource extends RequestSource {
  readonly #requests: BatchRequest[] = [];

  get size(): number {
    return this.#requests.length;
  }

  add(request: BatchRequest): void {
    this.#requests.push(request);
  }

  protected read(index: number): BatchRequest {
    return this.#requests[index]!;
  }
}

/** Lines of a JSONL file, by byte offset and length: 12 bytes per request. */
export class FileSource extends RequestSource {
  readonly file: string;
  #fd: number | undefined;
  #offsets = new Float64Array(1024);
  #lengths = new Uint32Array(1024);
  #size = 0;
  #buffer = Buffer.alloc(64 * 1024);

  constructor(file: string) {
    super();
    this.file = file;
  }

  get size(): number {
    return this.#size;
  }

  /** Records the next accepted request: its line's byte offset and length (without the newline). */
  add(offset: number, length: number): void {
    if (this.#size === this.#offsets.length) {
      const offsets = new Float64Array(this.#size * 2);
      offsets.set(this.#offsets);
      this.#offsets = offsets;
      const lengths = new Uint32Array(this.#size * 2);
      lengths.set(this.#lengths);
      this.#lengths = lengths;
    }
    this.#offsets[this.#size] = offset;
    this.#lengths[this.#size] = length;
    this.#size += 1;
  }

  /** Byte offset and length of request `index`'s line. */
  where(index: number): [number, number] {
    return [this.#offsets[index]!, this.#lengths[index]!];
  }

  /** The raw bytes of request `index`'s line (valid until the next read). */
  bytes(index: number): Buffer {
    const length = this.#lengths[index]!;
    const offset = this.#offsets[index]!;
    if (this.#buffer.length < length)
      this.#buffer = Buffer.alloc(Math.max(length, this.#buffer.length * 2));
    this.#fd ??= openSync(this.file, "r");
    let got = 0;
    while (got < length) {
      const n = readSync(this.#fd, this.#buffer, got, length - got, offset + got);
      if (n === 0)
        throw new Error(`\`${this.file}\` changed while planning: a line read earlier is gone.`);
      got += n;
    }
    return this.#buffer.subarray(0, length);
  }

  protected read(index: number): BatchRequest {
    let text = this.bytes(index).toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return JSON.parse(text) as BatchRequest;
  }

  override close(): void {
    super.close();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
