/**
 * The Vertex clients, made on demand: `@google/genai` (batch jobs, `vertexai: true`) and
 * `@google-cloud/storage` (the JSONL files), imported only here and only when a client is asked
 * for. Credentials come from the SDKs' own chains (Application Default Credentials); the project
 * and location from `GOOGLE_CLOUD_PROJECT` / `GOOGLE_CLOUD_LOCATION` unless given.
 */
import type { ClientOptions } from "../target.js";

/** What a Vertex run needs. */
export interface VertexClient {
  genai: import("@google/genai").GoogleGenAI;
  storage: import("@google-cloud/storage").Storage;
}

/** Options beyond the common ones: project, location, and the emulator's endpoints. */
export interface VertexClientOptions extends ClientOptions {
  project?: string;
  location?: string;
  /** Another Cloud Storage endpoint (the emulator), e.g. `http://127.0.0.1:4443`. */
  storageEndpoint?: string;
}

/** The two clients; `baseURL` replaces the Vertex endpoint (`httpOptions.baseUrl`). */
export async function createClient(options: VertexClientOptions = {}): Promise<VertexClient> {
  const { GoogleGenAI } = await import("@google/genai");
  const { Storage } = await import("@google-cloud/storage");
  const project = options.project ?? process.env.GOOGLE_CLOUD_PROJECT;
  const location = options.location ?? process.env.GOOGLE_CLOUD_LOCATION;
  const genai = new GoogleGenAI({
    vertexai: true,
    ...(project ? { project } : {}),
    ...(location ? { location } : {}),
    ...(options.baseURL ? { httpOptions: { baseUrl: options.baseURL } } : {}),
  });
  const storage = new Storage({
    ...(project ? { projectId: project } : {}),
    ...(options.storageEndpoint ? { apiEndpoint: options.storageEndpoint } : {}),
  });
  return { genai, storage };
}
