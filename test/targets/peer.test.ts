import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OptionsError } from "../../src/errors.js";
import { importPeer } from "../../src/targets/peer.js";

/** Node's error for a package that is not installed, as `import()` throws it. */
function notFound(specifier: string): Error {
  return Object.assign(
    new Error(`Cannot find package '${specifier}' imported from /app/dist/targets/x/client.js`),
    { code: "ERR_MODULE_NOT_FOUND" },
  );
}

const failWith = (error: unknown) => () => Promise.reject(error);

describe("importPeer", () => {
  it("gives the module when it loads", async () => {
    const module = { Sdk: 1 };
    expect(await importPeer(async () => module, "openai", "6", "--target openai")).toBe(module);
  });

  it("turns the named package's ERR_MODULE_NOT_FOUND into an OptionsError saying what to install", async () => {
    const missing = notFound("@aws-sdk/client-s3");
    const error = await importPeer(
      failWith(missing),
      "@aws-sdk/client-s3",
      "3",
      "--target bedrock",
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionsError);
    expect(error).toMatchObject({
      code: "invalid-options",
      message:
        "--target bedrock needs the optional package @aws-sdk/client-s3 (version 3), which is not installed: run `npm install @aws-sdk/client-s3@3`.",
      cause: missing,
    });
  });

  it("rethrows any other failure unchanged", async () => {
    const others = [
      new TypeError("boom"),
      notFound("some-dependency-of-openai"),
      Object.assign(new Error("Cannot find package 'openai-extra' imported from x"), {
        code: "ERR_MODULE_NOT_FOUND",
      }),
      Object.assign(new Error("Cannot find package 'openai' imported from x"), { code: "EACCES" }),
      "a string",
      null,
    ];
    for (const other of others)
      await expect(importPeer(failWith(other), "openai", "6", "--target openai")).rejects.toBe(
        other,
      );
  });

  it("recognises a missing package whatever its name, and only that one", async () => {
    const name = fc.stringMatching(/^(@[a-z][a-z0-9-]{0,8}\/)?[a-z][a-z0-9.-]{0,12}$/);
    await fc.assert(
      fc.asyncProperty(name, name, async (wanted, thrown) => {
        const error = await importPeer(failWith(notFound(thrown)), wanted, "1", "x").catch(
          (e: unknown) => e,
        );
        expect(error instanceof OptionsError).toBe(wanted === thrown);
      }),
    );
  });
});
