// Plan a job from code: run `npm run build` once, then `node examples/plan-from-code.mjs`.
// In your own project, `import { plan } from "cacheplan"` works the same way.
import { formatWarning, plan, readJsonl, writePlan } from "cacheplan";

const result = await plan(readJsonl(new URL("./requests.jsonl", import.meta.url).pathname), {
  strategy: "auto", // "primed" | "cold" | "none"
  maxRequests: 100_000,
});

for (const group of result.groups) {
  console.log(`${group.id}: ${group.requests} requests share ~${group.sharedTokens} tokens`);
  for (const bp of group.breakpoints) {
    console.log(
      `  marker on ${bp.segment} (${bp.ttl}, ${bp.mode}): ~${bp.expectedWrites} write(s), ~${bp.expectedReads} read(s)`,
    );
  }
}
for (const warning of result.warnings) console.log(`warning: ${formatWarning(warning)}`);
for (const batch of result.batches) {
  console.log(
    `batch ${batch.index}: wave ${batch.wave}, ${batch.requestCount} requests, ${batch.bytes} bytes`,
  );
}

if (process.argv[2]) {
  await writePlan(result, process.argv[2], { overwrite: true });
  console.log(`wrote ${process.argv[2]}`);
}
