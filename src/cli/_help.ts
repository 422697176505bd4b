/**
 * The help texts (internal): `cacheplan --help` and each command's `--help`, plain text (stable
 * in files, pipes and tests), from the command table and each command's `args`.
 */
import { type ArgsDef, valueHint } from "./_args.js";
import { COMMANDS } from "./_commands.js";
import { VERSION } from "./_version.js";

/** Width the descriptions are wrapped to. */
const WIDTH = 100;

function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

/** Numbers of 5 digits or more with thousands separators (`100000` → `100,000`), as elsewhere. */
export function thousands(text: string): string {
  return text.replace(/(?<![\w.,-])\d{5,}(?![\w.,])/g, (n) => Number(n).toLocaleString("en-US"));
}

function table(rows: Array<[string, string]>): string[] {
  const width = Math.min(34, Math.max(...rows.map(([left]) => left.length)));
  return rows.map(([left, right]) => {
    const pad =
      left.length > width ? `\n${" ".repeat(width + 4)}` : " ".repeat(width - left.length);
    return `  ${left}${pad}  ${wrap(thousands(right), width + 4)}`;
  });
}

/** The help of `cacheplan <name>`: usage, arguments, options, examples. */
export function renderHelp(name: string, args: ArgsDef): string {
  const entry = COMMANDS[name];
  const description =
    entry?.description ?? (args as { description?: string }).description ?? "cacheplan command";
  const lines = [`cacheplan ${name}: ${description}`, "", "Usage:"];
  for (const usage of entry?.usage ?? ["[options]"]) lines.push(`  cacheplan ${name} ${usage}`);
  const positionals = Object.entries(args).filter(([, d]) => d.type === "positional");
  if (positionals.length > 0) {
    lines.push("", "Arguments:");
    lines.push(
      ...table(
        positionals.map(([key, def]) => {
          const shown = entry?.arguments[key];
          const required = shown?.required;
          const note =
            required === true
              ? " (required)"
              : typeof required === "string"
                ? ` (required ${required})`
                : "";
          return [shown?.shown ?? `<${key}>`, `${def.description ?? ""}${note}`];
        }),
      ),
    );
  }
  const options: Array<[string, string]> = [];
  for (const [key, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const flag = `--${key}`;
    const left = def.type === "boolean" ? flag : `${flag} ${valueHint(flag, def)}`;
    options.push([left, def.description ?? ""]);
    if (def.type === "boolean" && def.default === true)
      options.push([`--no-${key}`, `Turn \`${flag}\` off`]);
  }
  options.push(["-h, --help", "Print this help and do nothing else"]);
  lines.push("", "Options:", ...table(options));
  if (entry && entry.examples.length > 0) {
    lines.push("", "Examples:");
    for (const [command, what] of entry.examples) lines.push(`  ${command}`, `      ${what}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The help of `cacheplan` itself. */
export function renderTopHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `cacheplan ${VERSION}: plan prompt caching for Anthropic Message Batches`,
    "",
    "Usage: cacheplan <command> [options]",
    "       cacheplan help <command>          (or cacheplan <command> --help: its options)",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.description}`),
    "",
    "Options: -h, --help  this help;  -v, --version  the version",
    "",
    "Exit codes: 0 done; 1 done with problems to act on (e.g. rejected requests);",
    "            2 wrong command line; 3 an input could not be used, the environment lacks",
    "            ANTHROPIC_API_KEY, or a failure; 130 / 143 stopped by SIGINT / SIGTERM.",
    "With --json, an error is a JSON object {type, code, message, exitCode}: on standard output",
    "for submit (whose output is a stream of JSON lines), on standard error for the others.",
    "",
    "Examples:",
    "  cacheplan demo",
    "  cacheplan plan requests.jsonl --out plan/ && cacheplan estimate plan/",
    "",
  ].join("\n");
}
