/**
 * `redactSecrets`: the one redaction every boundary of the runner uses.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REDACTED, redactDeep, redactSecrets } from "../../src/run/redact.js";

describe("redactSecrets", () => {
  it("removes every occurrence of a secret wherever it is embedded (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 40 }).filter((s) => s.trim().length >= 8),
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 6 }),
        (secret, parts) => {
          const text = parts.join(secret);
          const out = redactSecrets(`${secret}${text}${secret}`, [secret]);
          return !out.includes(secret);
        },
      ),
    );
  });

  it("redacts credential headers in the forms an echo takes, and Anthropic key shapes", () => {
    const cases = [
      ["x-api-key: abc123def", `x-api-key: ${REDACTED}`],
      ['{"x-api-key":"abc123def","a":1}', `{"x-api-key":"${REDACTED}","a":1}`],
      ["Authorization: Bearer tok-123, next", `Authorization: ${REDACTED}, next`],
      ["api_key=zzz&x=1", `api_key=${REDACTED}&x=1`],
      ["key sk-ant-api03-AbC_d-123456 used", `key ${REDACTED} used`],
    ] as const;
    for (const [input, expected] of cases) expect(redactSecrets(input)).toBe(expected);
  });

  it("leaves ordinary text, short secrets and ids alone", () => {
    const text = "Failed polling batch 3 (msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d): 500 api_error";
    expect(redactSecrets(text, ["short", ""])).toBe(text);
  });

  it("redactDeep redacts every string of an event, and nothing else", () => {
    const event = {
      type: "backoff",
      reason: "echo sk-ant-api03-XXXXXXXXXX",
      n: 3,
      list: ["s3cr3t-value"],
    };
    expect(redactDeep(event, ["s3cr3t-value"])).toEqual({
      type: "backoff",
      reason: `echo ${REDACTED}`,
      n: 3,
      list: [REDACTED],
    });
  });
});
