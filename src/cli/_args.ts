/**
 * Argument parsing shared by the commands (internal): citty's parser and usage renderer, plus a
 * check that rejects unknown options and bad numbers instead of ignoring them.
 */
import { stripVTControlCharacters } from "node:util";
import { type ArgsDef, type CommandDef, parseArgs, renderUsage } from "citty";
import { UsageError } from "./_context.js";

export type { ArgsDef };

/** Keeps the literal types of an argument table (as citty's `defineCommand` does). */
export function defineArgs<const T extends ArgsDef>(args: T): T {
  return args;
}

/** Parses `argv` for a command; throws `UsageError` on an unknown option. */
export function parse<T extends ArgsDef>(argv: string[], args: T): ReturnType<typeof parseArgs<T>> {
  const known = new Set<string>(["_", "help", "h"]);
  for (const [name, def] of Object.entries(args)) {
    known.add(name);
    known.add(name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
    const alias = (def as { alias?: string | string[] }).alias;
    for (const a of typeof alias === "string" ? [alias] : (alias ?? [])) known.add(a);
  }
  for (const token of argv) {
    if (token === "--") break;
    if (!token.startsWith("-") || token === "-") continue;
    const name = token.replace(/^--?(no-)?/, "").split("=")[0]!;
    if (!known.has(name))
      throw new UsageError(`Unknown option \`${token.split("=")[0]}\`. See \`--help\`.`);
  }
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs<T>(argv, args);
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
  if (value === undefined || value === "") return undefined;
  const text = String(value).replace(/_/g, "");
  const number = Number(text);
  if (!Number.isInteger(number))
    throw new UsageError(`\`--${name}\` must be a whole number; got "${String(value)}".`);
  return number;
}

/** The command's usage text, without colours (stable in files, pipes and tests). */
export async function usage(command: CommandDef): Promise<string> {
  return `${stripVTControlCharacters(await renderUsage(command)).replace(/[ \t]+$/gm, "")}\n`;
}
