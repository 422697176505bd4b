/**
 * The error family of cacheplan (STYLE item 12): one base class and a few subclasses that carry
 * what a caller needs. Expected failures of pure code (one bad JSONL line, one bad request) are
 * returned as data (`RejectedRequest`), never thrown.
 */

/** Base class of every error cacheplan throws on purpose. */
export class CacheplanError extends Error {
  override name = "CacheplanError";

  /** A stable, machine-readable code, e.g. `"unknown-model"`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Options given to a library function or the CLI are invalid. The message names the option. */
export class OptionsError extends CacheplanError {
  override name = "OptionsError";

  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid-options", message, options);
  }
}

/** An input file or folder cannot be used: missing, unreadable, or not what it should be. */
export class InputError extends CacheplanError {
  override name = "InputError";

  /** The path the problem is in, when there is one. */
  readonly path: string | undefined;

  constructor(message: string, path?: string, options?: { cause?: unknown }) {
    super("invalid-input", message, options);
    this.path = path;
  }
}

/**
 * The environment lacks what an operation needs, e.g. `ANTHROPIC_API_KEY` for a call to the API.
 * Not a wrong option: the same call works once the variable is set. The CLI exits 3 on it.
 */
export class EnvironmentError extends CacheplanError {
  override name = "EnvironmentError";

  /** The environment variable to set, e.g. `"ANTHROPIC_API_KEY"`. */
  readonly variable: string;

  constructor(message: string, variable: string, options?: { cause?: unknown }) {
    super("missing-environment", message, options);
    this.variable = variable;
  }
}

/** True when `error` is any error cacheplan threw on purpose. */
export function isCacheplanError(error: unknown): error is CacheplanError {
  return error instanceof CacheplanError;
}
