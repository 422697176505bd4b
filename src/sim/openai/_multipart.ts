/**
 * A minimal `multipart/form-data` reader for the OpenAI emulator's `POST /v1/files` (internal):
 * the fields and the one file part, as the `openai` SDK sends them.
 */

export interface FormData {
  fields: Record<string, string>;
  file: { name: string; filename: string; content: Buffer } | undefined;
}

/** The boundary of a `multipart/form-data` content type, or `undefined`. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
  return m ? (m[1] ?? m[2])!.trim() : undefined;
}

/** Parses a multipart body. */
export function parseMultipart(body: Buffer, boundary: string): FormData {
  const out: FormData = { fields: {}, file: undefined };
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    // Skip the CRLF after the delimiter; the part ends with CRLF before the next delimiter.
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf("\r\n\r\n");
    if (split >= 0) {
      const headers = part.subarray(0, split).toString("utf8");
      const content = part.subarray(split + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1] ?? "";
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      if (filename !== undefined) out.file = { name, filename, content };
      else out.fields[name] = content.toString("utf8");
    }
    at = next;
  }
  return out;
}
