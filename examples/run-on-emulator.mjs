// Plan a job, then run its waves through the official SDK against the local emulator, offline.
// `npm run build` once, then `node examples/run-on-emulator.mjs`.
import Anthropic from "@anthropic-ai/sdk";
import { plan, readJsonl, startEmulator } from "cacheplan";

// One simulated hour per real second, so a primed two-wave job finishes in a few seconds.
const emulator = await startEmulator({ timeScale: 3600 });
const client = new Anthropic({ baseURL: emulator.url, apiKey: "test" });
try {
  const job = await plan(readJsonl(new URL("./requests.jsonl", import.meta.url).pathname));
  for (let wave = 0; wave < job.summary.waves; wave++) {
    const batches = job.batches.filter((b) => b.wave === wave);
    const created = await Promise.all(
      batches.map((b) => client.messages.batches.create({ requests: b.requests })),
    );
    for (const batch of created) {
      let status = batch;
      while (status.processing_status !== "ended") {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = await client.messages.batches.retrieve(batch.id);
      }
      const tokens = { input: 0, write: 0, read: 0 };
      for await (const line of await client.messages.batches.results(batch.id)) {
        if (line.result.type !== "succeeded") continue;
        const usage = line.result.message.usage;
        tokens.input += usage.input_tokens;
        tokens.write += usage.cache_creation_input_tokens ?? 0;
        tokens.read += usage.cache_read_input_tokens ?? 0;
      }
      const done = status.request_counts.succeeded;
      console.log(
        `wave ${wave}: ${done} requests; input ${tokens.input}, cache write ${tokens.write}, cache read ${tokens.read}`,
      );
    }
  }
} finally {
  await emulator.close();
}
