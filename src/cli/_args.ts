/**
 * Argument parsing shared by the commands (internal): a strict pass over the command line (unknown
 * options, options without their value, extra arguments are usage errors naming the flag as typed),
 * then citty's parser on the normalised tokens.
 */
import { stripVTControlCharacters } from "node:util";
import { type ArgsDef, parseArgs } from "citty";
import { UsageError } from "./_context.js";
import { renderHelp } from "./_help.js";

export type { ArgsDef };

/** Keeps the literal types of an argument table (as citty's `defineCommand` does). */
export function defineArgs<const T extends ArgsDef>(args: T): T {
  return args;
}

/** True when the command line asks for help (`-h` or `--help` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const token of argv) {
    if (token === "--") return false;
    if (token === "-h" || token === "--help") return true;
  }
  return false;
}

/** A negative number (`-5`, `-0.5`) is a value, never an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

type Def = ArgsDef[string];

/** The option `--name` (or `--no-name` of a boolean) of the table, if any. */
function lookup(args: ArgsDef, name: string): { def: Def; negated: boolean } | undefined {
  const def = args[name];
  if (def && def.type !== "positional") return { def, negated: false };
  const base = name.startsWith("no-") ? args[name.slice(3)] : undefined;
  if (base?.type === "boolean") return { def: base, negated: true };
  return undefined;
}

/** The value of a value-taking option: inline (`--out=x`) or the next token, never a flag. */
function optionValue(
  flag: string,
  def: Def,
  inline: string | undefined,
  next: string | undefined,
): string {
  if (inline !== undefined) return inline;
  const example = `e.g. \`${flag} ${valueHint(flag, def)}\``;
  if (next === undefined) throw new UsageError(`\`${flag}\` needs a value, ${example}.`);
  if (next.startsWith("-") && next !== "-" && !NEGATIVE_NUMBER.test(next))
    throw new UsageError(`\`${flag}\` needs a value, ${example}; got the option \`${next}\`.`);
  return next;
}

/**
 * Checks `argv` against the table and returns it with every option value inline (`--x=v`), so
 * citty reads `--max-requests -5` as a value. Throws `UsageError` for an unknown option, an
 * option without its value, and an argument beyond the table's positionals.
 */
export function normalize(argv: readonly string[], args: ArgsDef): string[] {
  const positionals = Object.entries(args).filter(([, d]) => d.type === "positional");
  const out: string[] = [];
  let seen = 0;
  const positional = (token: string) => {
    seen += 1;
    if (seen > positionals.length) {
      const takes =
        positionals.length === 0
          ? "takes no argument"
          : `takes ${positionals.length === 1 ? "one argument" : `${positionals.length} arguments`} (${positionals.map(([n]) => `\`${n}\``).join(", ")})`;
      throw new UsageError(
        `Unexpected argument \`${token}\`: the command ${takes}. See \`--help\`.`,
      );
    }
    out.push(token);
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      out.push(token);
      for (const rest of argv.slice(i + 1)) positional(rest);
      break;
    }
    if (token === "-" || !token.startsWith("-") || NEGATIVE_NUMBER.test(token)) {
      positional(token);
      continue;
    }
    if (token === "-h" || token === "--help") {
      out.push(token);
      continue;
    }
    const [flag, inline] = token.split(/=(.*)/s, 2) as [string, string | undefined];
    const found = flag.startsWith("--") ? lookup(args, flag.slice(2)) : undefined;
    if (!found) throw new UsageError(`Unknown option \`${flag}\`. See \`--help\`.`);
    if (found.def.type === "boolean") {
      if (inline !== undefined && (found.negated || !["true", "false"].includes(inline)))
        throw new UsageError(`\`${flag}\` takes no value; got \`${token}\`.`);
      out.push(token);
      continue;
    }
    const value = optionValue(
      flag,
      found.def,
      inline,
      inline === undefined ? argv[i + 1] : undefined,
    );
    if (inline === undefined) i += 1;
    out.push(`${flag}=${value}`);
  }
  return out;
}

/** Parses `argv` for a command; throws `UsageError` naming the flag for any mistake. */
export function parse<T extends ArgsDef>(argv: string[], args: T): ReturnType<typeof parseArgs<T>> {
  const tokens = normalize(argv, args);
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs<T>(tokens, args);
  } catch (error) {
    // citty checks enum values itself and throws its own CLIError: a wrong command line.
    throw new UsageError(`${stripVTControlCharacters((error as Error).message)} See \`--help\`.`);
  }
  for (const [name, def] of Object.entries(args)) {
    const value = (parsed as Record<string, unknown>)[name];
    const options = (def as { options?: string[] }).options;
    if (def.type === "enum" && value !== undefined && options && !options.includes(String(value))) {
      throw new UsageError(
        `\`--${name}\` must be one of ${options.map((o) => `"${o}"`).join(", ")}; got "${String(value)}".`,
      );
    }
  }
  return parsed;
}

/** A whole number option, or undefined when absent; throws `UsageError` naming the option. */
export function intOption(value: unknown, name: string): number | undefined {
  return numberOption(value, name, { integer: true });
}

/** What a numeric option accepts; the error names the flag and says it in these words. */
export interface NumberRule {
  /** Whole numbers only. */
  integer?: boolean;
  /** Strictly greater than this. */
  above?: number;
  /** From `min` to `max`, both included. */
  range?: readonly [min: number, max: number];
}

/**
 * A number option (underscores allowed as digit separators), or undefined when absent; throws a
 * `UsageError` naming the flag when the value is empty, not a number, or outside `rule`.
 */
export function numberOption(
  value: unknown,
  name: string,
  rule: NumberRule = {},
): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).replace(/_/g, "");
  const number = text.trim() === "" ? Number.NaN : Number(text);
  const ok =
    Number.isFinite(number) &&
    (!rule.integer || Number.isInteger(number)) &&
    (rule.above === undefined || number > rule.above) &&
    (rule.range === undefined || (number >= rule.range[0] && number <= rule.range[1]));
  if (!ok) {
    const what = rule.integer
      ? "a whole number"
      : rule.range
        ? `a number from ${rule.range[0]} to ${rule.range[1]}`
        : rule.above !== undefined
          ? `a number > ${rule.above}`
          : "a number";
    throw new UsageError(`\`--${name}\` must be ${what}; got "${String(value)}".`);
  }
  return number;
}

/** What a value-taking option's value looks like, for help and errors. */
const VALUE_HINTS: Record<string, string> = {
  out: "<dir>",
  models: "<file.json>",
  calibration: "<file.json>",
  "write-calibration": "<file.json>",
  "cache-dir": "<dir>",
  results: "<file.jsonl | folder>",
  "output-fraction": "<0..1>",
  "fault-rate": "<0..1>",
  "poll-interval": "<ms>",
  timeout: "<ms>",
  adopt: "<ID | INDEX=ID>",
  recreate: "<all | INDEX,…>",
  "max-waves": "<n | auto>",
  model: "<id>",
  "base-url": "<url>",
  "max-usd": "<usd>",
};

/** The hint of `--flag` (or of the option `name`), e.g. `<dir>`; `<n>` for the numbers. */
export function valueHint(flag: string, def?: Def): string {
  const name = flag.replace(/^--/, "");
  const own = def as { options?: string[]; valueHint?: string } | undefined;
  if (own?.valueHint) return own.valueHint;
  if (own?.options) return `<${own.options.join("|")}>`;
  return VALUE_HINTS[name] ?? "<n>";
}

/** The help of a command (kept for the commands that still print it themselves). */
export async function usage(command: { meta?: unknown; args?: unknown }): Promise<string> {
  const meta = (await command.meta) as { name?: string } | undefined;
  return renderHelp(meta?.name ?? "", (command.args ?? {}) as ArgsDef);
}
