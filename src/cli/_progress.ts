/**
 * How `submit` and `demo` show a run's progress (internal): a live line on a terminal, plain
 * lines in a log or a pipe, JSON lines, or only warnings.
 */
import { renderProgressLine, renderRunEvent } from "../exports/run.js";
import { type RunEvent, VERSION } from "../index.js";
import type { CliIo } from "./_context.js";

/** How progress is shown. */
export type ProgressMode = "live" | "lines" | "json" | "quiet";

/** The mode for `--json` / `--quiet` and where standard output goes (a terminal: `live`). */
export function progressMode(io: CliIo, a: { json?: boolean; quiet?: boolean }): ProgressMode {
  if (a.json) return "json";
  if (a.quiet) return "quiet";
  return (io.stdout as { isTTY?: boolean }).isTTY ? "live" : "lines";
}

/**
 * Prints run events: a live line rewritten in place on a terminal, fitted to its width (`live`);
 * lasting lines, and the progress line as a plain line at most every `plainEveryMs` (`lines`: a
 * log or a pipe, no `\r` and no escape codes); one JSON object per line (`json`); or only
 * warnings (`quiet`, on stderr).
 */
export function progressPrinter(
  io: CliIo,
  mode: ProgressMode,
  options: { plainEveryMs?: number; now?: () => number } = {},
) {
  const plainEveryMs = options.plainEveryMs ?? 30_000;
  const now = options.now ?? Date.now;
  let live = false;
  let lastPlain = now();
  let lastPlainText = "";
  const clear = () => {
    if (live) io.stdout.write("\r\x1b[2K");
    live = false;
  };
  return {
    on(event: RunEvent) {
      if (mode === "json") {
        io.stdout.write(`${JSON.stringify({ cacheplanVersion: VERSION, ...event })}\n`);
        return;
      }
      // The command itself says, in one line, that the run stopped and how to resume.
      const line = event.type === "interrupted" ? null : renderRunEvent(event);
      if (mode === "quiet") {
        if (event.type === "warning" && line) io.stderr.write(`${line}\n`);
        return;
      }
      if (line) {
        clear();
        (event.type === "warning" ? io.stderr : io.stdout).write(`${line}\n`);
      }
      if (event.type === "done" || event.type === "interrupted") return;
      if (mode === "live") {
        // Read each time: the terminal may have been resized.
        const columns = (io.stdout as { columns?: number }).columns || 80;
        io.stdout.write(`\r\x1b[2K${renderProgressLine(event.progress, columns - 1)}`);
        live = true;
      } else if (event.type === "poll" && now() - lastPlain >= plainEveryMs) {
        const text = renderProgressLine(event.progress);
        if (text !== lastPlainText) io.stdout.write(`${text}\n`);
        lastPlain = now();
        lastPlainText = text;
      }
    },
    finish: clear,
  };
}
