/**
 * The few Amazon S3 routes `@aws-sdk/client-s3` uses for batch files, path-style
 * (`forcePathStyle: true`): PutObject (`PUT /{bucket}/{key}`), GetObject / HeadObject
 * (`GET|HEAD /{bucket}/{key}`) and ListObjectsV2 (`GET /{bucket}?list-type=2&prefix=…`), with S3's
 * XML errors. Objects live in memory. A bucket exists once something is put in it (or it is
 * named in `buckets`); signatures are not checked.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The emulator's objects: bucket → key → bytes. */
export class ObjectStore {
  readonly buckets = new Map<string, Map<string, { body: Buffer; modified: Date }>>();

  constructor(buckets: readonly string[] = []) {
    for (const b of buckets) this.buckets.set(b, new Map());
  }

  put(bucket: string, key: string, body: Buffer): void {
    const objects = this.buckets.get(bucket) ?? new Map();
    this.buckets.set(bucket, objects);
    objects.set(key, { body, modified: new Date() });
  }

  get(bucket: string, key: string): Buffer | undefined {
    return this.buckets.get(bucket)?.get(key)?.body;
  }

  /** Keys under `prefix`, sorted (S3 lists in UTF-8 binary order). */
  list(bucket: string, prefix: string): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** `s3://bucket/key` split, or `undefined`. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

/** A body as bytes; `aws-chunked` content encoding (streamed uploads) decoded. */
export async function readBytes(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const encoding = String(request.headers["content-encoding"] ?? "");
  return encoding.includes("aws-chunked") ? decodeAwsChunked(raw) : raw;
}

/** `<hex size>[;ext]\r\n<data>\r\n` … `0\r\n` (trailers ignored). */
function decodeAwsChunked(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const eol = raw.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = Number.parseInt(raw.subarray(at, eol).toString("latin1").split(";")[0]!, 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const etagOf = (body: Buffer) => `"${createHash("md5").update(body).digest("hex")}"`;

function xmlError(response: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
  response.writeHead(status, { "content-type": "application/xml" });
  response.end(body);
}

/** Handles an S3 request (`path` is the URL path, `query` its search params). */
export async function handleS3(
  store: ObjectStore,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const [, bucketPart = "", ...rest] = path.split("/");
  const bucket = decodeURIComponent(bucketPart);
  const key = rest.map(decodeURIComponent).join("/");
  const method = request.method ?? "GET";
  if (method === "PUT" && key !== "") {
    const body = await readBytes(request);
    store.put(bucket, key, body);
    response.writeHead(200, { etag: etagOf(body) });
    response.end();
    return;
  }
  if ((method === "GET" || method === "HEAD") && key !== "") {
    const body = store.get(bucket, key);
    if (body === undefined)
      return xmlError(response, 404, "NoSuchKey", "The specified key does not exist.");
    response.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(body.length),
      etag: etagOf(body),
      "last-modified": new Date().toUTCString(),
    });
    response.end(method === "HEAD" ? undefined : body);
    return;
  }
  if (method === "GET" && key === "" && query.get("list-type") === "2") {
    if (!store.buckets.has(bucket))
      return xmlError(response, 404, "NoSuchBucket", "The specified bucket does not exist.");
    const prefix = query.get("prefix") ?? "";
    const keys = store.list(bucket, prefix);
    const contents = keys
      .map((k) => {
        const body = store.get(bucket, k)!;
        return `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${new Date().toISOString()}</LastModified><ETag>${xmlEscape(etagOf(body))}</ETag><Size>${body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join("");
    response.writeHead(200, { "content-type": "application/xml" });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
    );
    return;
  }
  request.resume();
  xmlError(response, 405, "MethodNotAllowed", `The emulator does not serve ${method} ${path}.`);
}
