/**
 * Redaction of secrets from text cacheplan prints or writes: the one function every boundary of
 * the runner goes through (thrown errors, progress events, `run.json`, the CLI's output), so an
 * API key never reaches a terminal, a log or a file, even when a server or a proxy echoes the
 * request's headers in an error body.
 */

/** What a secret is replaced with. */
export const REDACTED = "[redacted]";

/** Secrets shorter than this are not searched for (they would match ordinary text). */
const MIN_SECRET_LENGTH = 8;

/**
 * Header values that carry credentials, in any of the forms an echo takes: `x-api-key: …`,
 * `"authorization":"Bearer …"`, `api_key=…`. The value runs to the end of the line, a quote or a
 * separator.
 */
const HEADER =
  /\b(x-api-key|authorization|proxy-authorization|anthropic-api-key|api[-_]key|cookie|set-cookie)(["']?\s*[:=]\s*["']?)([^"'\r\n,;}&]*)/gi;

/** Anthropic key shapes (`sk-ant-api03-…`, `sk-ant-admin01-…`), whoever's key they are. */
const KEY_SHAPE = /sk-ant-[A-Za-z0-9_-]{6,}/g;

/**
 * `text` with every occurrence of a secret, every credential header value and every string shaped
 * like an Anthropic key replaced by `[redacted]`. Pure.
 *
 * @example
 * ```ts
 * redactSecrets('500: echo {"x-api-key":"sk-ant-xyz123456"}', ["sk-ant-xyz123456"]);
 * // '500: echo {"x-api-key":"[redacted]"}'
 * ```
 */
export function redactSecrets(
  text: string,
  secrets: readonly (string | null | undefined)[] = [],
): string {
  let out = text;
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) continue;
    // Again while a replacement formed a new occurrence with its neighbours (bounded).
    for (let pass = 0; pass < 8 && out.includes(secret); pass++) {
      out = out.split(secret).join(REDACTED);
    }
  }
  return out
    .replace(HEADER, (_, name: string, sep: string, value: string) =>
      value.trim() === "" ? `${name}${sep}${value}` : `${name}${sep}${REDACTED}`,
    )
    .replace(KEY_SHAPE, REDACTED);
}

/** A copy of `value` with every string in it redacted (objects and arrays walked, 32 deep). */
export function redactDeep<T>(value: T, secrets: readonly (string | null | undefined)[] = []): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return redactSecrets(v, secrets);
    if (typeof v !== "object" || v === null || depth > 32) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x, depth + 1);
    return out;
  };
  return walk(value, 0) as T;
}

/** The client's key and token, only to redact them from what the run prints and writes. */
export function secretsOf(client: unknown): string[] {
  const c = (client ?? {}) as { apiKey?: unknown; authToken?: unknown };
  return [c.apiKey, c.authToken].filter((v): v is string => typeof v === "string" && v !== "");
}
