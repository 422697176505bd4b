/**
 * Library option ↔ CLI flag (internal). The library's errors name its options (`maxRequests`,
 * `overwrite: true`); the CLI shows them with the flags the user typed. One table, one function.
 */

/** Each library option the CLI sets from a flag, and that flag (without `--`). */
export const OPTION_FLAGS: Readonly<Record<string, string>> = {
  strategy: "strategy",
  ttl: "ttl",
  userMarkers: "user-markers",
  maxRequests: "max-requests",
  maxBytes: "max-bytes",
  maxWaves: "max-waves",
  concurrency: "concurrency",
  models: "models",
  count: "count",
  outputTokens: "output-tokens",
  outputFraction: "output-fraction",
  sampleSize: "sample-size",
  plannedModel: "planned-model",
  calibration: "calibration",
  sensitivity: "sensitivity",
  overwrite: "force",
  maxRetries: "max-retries",
  timeout: "timeout",
  "poll.intervalMs": "poll-interval",
  adopt: "adopt",
  recreate: "recreate",
  ambiguous: "ambiguous",
  timeScale: "time-scale",
  seed: "seed",
  port: "port",
  maxQueued: "max-queued",
};

/** Library options the CLI takes from the environment instead of a flag. */
const OPTION_ENV: Readonly<Record<string, string>> = {
  apiKey: "ANTHROPIC_API_KEY",
  baseURL: "ANTHROPIC_BASE_URL",
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `message` with the library's option names replaced by the command's flags (`` `maxRequests` ``
 * → `` `--max-requests` ``, `` `strategy: "primed"` `` → `` `--strategy primed` ``), with the
 * parenthetical option names after a flag dropped, and without advice to use a flag the command
 * does not have (`flags`: the command's options, without `--`).
 */
export function toCliMessage(message: string, flags: ReadonlySet<string>): string {
  let text = message;
  for (const [option, env] of Object.entries(OPTION_ENV)) {
    text = text.replace(new RegExp(` \\(or pass \`${escapeRegExp(option)}\`\\)`, "g"), "");
    text = text.replace(new RegExp(`\`${escapeRegExp(option)}\``, "g"), `\`${env}\``);
  }
  for (const [option, flag] of Object.entries(OPTION_FLAGS)) {
    const name = escapeRegExp(option);
    // "`--models file.json` (or `models: createModelTable(…)`)": the library's form goes.
    text = text.replace(new RegExp(` \\(or \`${name}(: [^\`]*)?\`\\)`, "g"), "");
    // "`--force` (`overwrite: true`)": the flag is already there.
    text = text.replace(new RegExp(`(\`--${flag}\`) \\(\`${name}(: [^\`]*)?\`\\)`, "g"), "$1");
    text = text.replace(new RegExp(`\`${name}: true\``, "g"), `\`--${flag}\``);
    text = text.replace(new RegExp(`\`${name}: "?([^\`"]*)"?\``, "g"), `\`--${flag} $1\``);
    text = text.replace(new RegExp(`\`${name}\``, "g"), `\`--${flag}\``);
  }
  for (const flag of new Set(Array.from(text.matchAll(/`--([a-z-]+)/g), (m) => m[1]!))) {
    if (flags.has(flag)) continue;
    const f = escapeRegExp(flag);
    // Advice that names a flag the command does not have: "pass `--force` to …, or " and
    // ", even with `--force`," go; the rest of the sentence stays.
    text = text.replace(new RegExp(`pass \`--${f}\`[^,;.]*, or `, "g"), "");
    text = text.replace(new RegExp(`, even with \`--${f}\`([,.])`, "g"), "$1");
  }
  return text;
}
