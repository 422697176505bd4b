/**
 * The Vertex clients, made on demand: `@google/genai` (batch jobs, `vertexai: true`) and
 * `@google-cloud/storage` (the JSONL files), imported only here and only when a client is asked
 * for. Credentials come from the SDKs' own chains (Application Default Credentials); the project
 * and location from `GOOGLE_CLOUD_PROJECT` / `GOOGLE_CLOUD_LOCATION`, the `gs://` location from
 * `CACHEPLAN_BUCKET`, a local emulator from `CACHEPLAN_VERTEX_ENDPOINT`, unless given.
 */
import type { ClientOptions } from "../target.js";

/** Where a run's jobs go. */
export interface VertexRunConfig {
  project: string | undefined;
  /** A regional location: Claude batch jobs need one (other-batch-systems.md §3.2 [S]). */
  location: string | undefined;
  /** `gs://bucket/prefix` for input and output files. */
  bucket: string | undefined;
  /** The endpoint both clients use, when not Google's (an emulator). */
  endpoint: string | undefined;
  /** Simulated ms per real ms of a local emulator's clock, to poll on. */
  timeScale: number | undefined;
}

/** What a Vertex run needs. */
export interface VertexClient {
  genai: import("@google/genai").GoogleGenAI;
  storage: import("@google-cloud/storage").Storage;
  config: VertexRunConfig;
}

/** Options beyond the common ones. */
export interface VertexClientOptions extends ClientOptions {
  project?: string;
  location?: string;
  bucket?: string;
  /** Another Cloud Storage endpoint (the emulator), e.g. `http://127.0.0.1:4443`. */
  storageEndpoint?: string;
  timeScale?: number;
  /** Google auth options instead of Application Default Credentials (the offline demo's throwaway key). */
  googleAuthOptions?: import("@google/genai").GoogleGenAIOptions["googleAuthOptions"];
}

/** The two clients and the run's settings; `baseURL` replaces the Vertex endpoint (`httpOptions.baseUrl`). */
export async function createClient(options: VertexClientOptions = {}): Promise<VertexClient> {
  const { GoogleGenAI } = await import("@google/genai");
  const { Storage } = await import("@google-cloud/storage");
  const env = process.env;
  const project = options.project ?? env.GOOGLE_CLOUD_PROJECT;
  const location = options.location ?? env.GOOGLE_CLOUD_LOCATION;
  const endpoint = options.baseURL ?? env.CACHEPLAN_VERTEX_ENDPOINT ?? undefined;
  // The emulator serves both: `baseURL` points Cloud Storage there too unless `storageEndpoint` says otherwise.
  const storageEndpoint =
    options.storageEndpoint ?? options.baseURL ?? env.CACHEPLAN_VERTEX_ENDPOINT;
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
  const scale = options.timeScale ?? Number(env.CACHEPLAN_EMULATOR_TIME_SCALE ?? Number.NaN);
  return {
    genai,
    storage,
    config: {
      project,
      location,
      bucket: options.bucket ?? env.CACHEPLAN_BUCKET,
      endpoint: endpoint ?? undefined,
      timeScale: Number.isFinite(scale) ? scale : undefined,
    },
  };
}
