/**
 * The few Cloud Storage JSON API routes `@google-cloud/storage` 7 uses for batch files, with or
 * without the `/storage/v1` prefix (`STORAGE_EMULATOR_HOST` drops it): upload
 * (`POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart|media&name=…`), download
 * (`GET /b/{bucket}/o/{object}?alt=media`), metadata (`GET /b/{bucket}/o/{object}`), list
 * (`GET /b/{bucket}/o?prefix=…`) and delete. Objects live in memory; uploads answer with the
 * object's `md5Hash` and `crc32c`, which the client checks. No auth is checked.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ObjectStore, readBytes } from "../_s3.js";

export { ObjectStore };

/** `gs://bucket/path` split, or `undefined`. */
export function parseGsUri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C (Castagnoli) of bytes, base64 of its big-endian form, as GCS reports it. */
export function crc32cBase64(bytes: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}

function resource(bucket: string, name: string, body: Buffer): Record<string, unknown> {
  return {
    kind: "storage#object",
    id: `${bucket}/${name}`,
    name,
    bucket,
    size: String(body.length),
    contentType: "application/octet-stream",
    md5Hash: createHash("md5").update(body).digest("base64"),
    crc32c: crc32cBase64(body),
    generation: "1",
    metageneration: "1",
    updated: new Date().toISOString(),
  };
}

function googleError(response: ServerResponse, code: number, message: string): void {
  response.writeHead(code, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: { code, message, errors: [{ message }] } }));
}

function json(response: ServerResponse, body: unknown): void {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/** The data part of a `multipart/related` upload (metadata first, then the bytes). */
function multipartData(
  body: Buffer,
  contentType: string,
): { meta: Record<string, unknown>; data: Buffer } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return { meta: {}, data: body };
  const parts: Buffer[] = [];
  const marker = Buffer.from(`--${boundary}`);
  let at = body.indexOf(marker);
  while (at >= 0) {
    const next = body.indexOf(marker, at + marker.length);
    if (next < 0) break;
    parts.push(body.subarray(at + marker.length, next));
    at = next;
  }
  const payload = (part: Buffer) => {
    const start = part.indexOf("\r\n\r\n");
    const content = part.subarray(start + 4);
    // The part ends with the CRLF before the next boundary.
    return content.subarray(0, content.length - 2);
  };
  const meta = parts[0]
    ? (JSON.parse(payload(parts[0]).toString("utf8") || "{}") as Record<string, unknown>)
    : {};
  return { meta, data: parts[1] ? payload(parts[1]) : Buffer.alloc(0) };
}

/** Handles a Cloud Storage request; `false` when the path is not one. */
export async function handleGcs(
  store: ObjectStore,
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
  query: URLSearchParams,
): Promise<boolean> {
  const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(pathname);
  if (upload && request.method === "POST") {
    const bucket = decodeURIComponent(upload[1]!);
    const raw = await readBytes(request);
    const type = String(request.headers["content-type"] ?? "");
    const { meta, data } =
      query.get("uploadType") === "multipart" ? multipartData(raw, type) : { meta: {}, data: raw };
    const name = String(query.get("name") ?? meta.name ?? "");
    if (name === "") {
      googleError(response, 400, "Upload without an object name.");
      return true;
    }
    store.put(bucket, name, data);
    json(response, resource(bucket, name, data));
    return true;
  }
  const path = pathname.replace(/^\/(download\/)?storage\/v1(?=\/b\/)/, "");
  const objects = /^\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(path);
  if (!objects) return false;
  const bucket = decodeURIComponent(objects[1]!);
  const name = objects[2] === undefined ? undefined : decodeURIComponent(objects[2]);
  const method = request.method ?? "GET";
  request.resume();
  if (name === undefined && method === "GET") {
    const prefix = query.get("prefix") ?? "";
    const items = store.list(bucket, prefix).map((k) => resource(bucket, k, store.get(bucket, k)!));
    json(response, { kind: "storage#objects", items });
    return true;
  }
  if (name === undefined) {
    googleError(response, 405, `The emulator does not serve ${method} ${pathname}.`);
    return true;
  }
  const body = store.get(bucket, name);
  if (body === undefined) {
    googleError(response, 404, `No such object: ${bucket}/${name}`);
    return true;
  }
  if (method === "DELETE") {
    store.buckets.get(bucket)?.delete(name);
    response.writeHead(204);
    response.end();
  } else if (query.get("alt") === "media") {
    response.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(body.length),
      "x-goog-hash": `crc32c=${crc32cBase64(body)},md5=${createHash("md5").update(body).digest("base64")}`,
      "x-goog-stored-content-encoding": "identity",
    });
    response.end(body);
  } else json(response, resource(bucket, name, body));
  return true;
}
