/**
 * Fake Google Cloud credentials for offline tests: a throwaway service-account key file with a
 * non-default `universe_domain`, so google-auth-library signs its own JWTs (self-signed JWT) and
 * never calls a token endpoint. Read by the SDKs' own chain through GOOGLE_APPLICATION_CREDENTIALS.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** Writes the key file and returns its path; remove it with {@link removeServiceAccountFile}. */
export function fakeServiceAccountFile(project = "test-project"): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const dir = mkdtempSync(path.join(tmpdir(), "cacheplan-gcp-"));
  const file = path.join(dir, "sa.json");
  writeFileSync(
    file,
    JSON.stringify({
      type: "service_account",
      project_id: project,
      private_key_id: "test-key",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
      client_email: `test@${project}.iam.gserviceaccount.com`,
      client_id: "1",
      // Never used: self-signed JWTs need no token exchange in a non-default universe.
      token_uri: "http://127.0.0.1:9/token",
      universe_domain: "emulator.test",
    }),
  );
  return file;
}

/** Removes a key file written by {@link fakeServiceAccountFile}, and its folder. */
export function removeServiceAccountFile(file: string): void {
  rmSync(path.dirname(file), { recursive: true, force: true });
}
