/**
 * The Vertex clients, made on demand: `@google/genai` (batch jobs, `vertexai: true`) and
 * `@google-cloud/storage` (the JSONL files), imported only here and only when a client is asked
 * for. Credentials come from the SDKs' own chains (Application Default Credentials); the project
 * and location from `GOOGLE_CLOUD_PROJECT` / `GOOGLE_CLOUD_LOCATION`, the `gs://` location from
 * `CACHEPLAN_BUCKET`, a local emulator from `CACHEPLAN_VERTEX_ENDPOINT`, unless given.
 */
import { type CloudClientOptions, type CloudRunConfig, cloudRunConfig } from "../_cloud-client.js";
import { importPeer } from "../peer.js";

/** Where a run's jobs go (`bucket`: `gs://bucket/prefix`). */
export interface VertexRunConfig extends CloudRunConfig {
  project: string | undefined;
  /** A regional location: Claude batch jobs need one (other-batch-systems.md §3.2 [S]). */
  location: string | undefined;
}

/** What a Vertex run needs. */
export interface VertexClient {
  genai: import("@google/genai").GoogleGenAI;
  storage: import("@google-cloud/storage").Storage;
  config: VertexRunConfig;
}

/** Options beyond the common ones. */
export interface VertexClientOptions extends CloudClientOptions {
  project?: string;
  location?: string;
  /** Another Cloud Storage endpoint (the emulator), e.g. `http://127.0.0.1:4443`. */
  storageEndpoint?: string;
  /** Google auth options instead of Application Default Credentials (the offline demo's throwaway key). */
  googleAuthOptions?: import("@google/genai").GoogleGenAIOptions["googleAuthOptions"];
}

/** The two clients and the run's settings; `baseURL` replaces the Vertex endpoint (`httpOptions.baseUrl`). */
export async function createClient(options: VertexClientOptions = {}): Promise<VertexClient> {
  const { GoogleGenAI } = await importPeer(
    () => import("@google/genai"),
    "@google/genai",
    "2",
    "--target vertex",
  );
  const { Storage } = await importPeer(
    () => import("@google-cloud/storage"),
    "@google-cloud/storage",
    "7",
    "--target vertex",
  );
  const env = process.env;
  const project = options.project ?? env.GOOGLE_CLOUD_PROJECT;
  const location = options.location ?? env.GOOGLE_CLOUD_LOCATION;
  const run = cloudRunConfig(options, "CACHEPLAN_VERTEX_ENDPOINT");
  const endpoint = run.endpoint;
  // The emulator serves both: `baseURL` points Cloud Storage there too unless `storageEndpoint` says otherwise.
  const storageEndpoint = options.storageEndpoint ?? endpoint;
  const genai = new GoogleGenAI({
    vertexai: true,
    ...(project ? { project } : {}),
    ...(location ? { location } : {}),
    ...(endpoint ? { httpOptions: { baseUrl: endpoint } } : {}),
    ...(options.googleAuthOptions ? { googleAuthOptions: options.googleAuthOptions } : {}),
  });
  const storage = new Storage({
    ...(project ? { projectId: project } : {}),
    ...(storageEndpoint ? { apiEndpoint: storageEndpoint } : {}),
  });
  return { genai, storage, config: { ...run, project, location } };
}
