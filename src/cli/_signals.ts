/**
 * SIGINT and SIGTERM for the commands that run until done or stopped (internal): `submit` and
 * `demo` stop their run on the first signal and exit 130 / 143 (`exitCodeOf`), `emulate` closes
 * its server.
 */
import type { CliIo } from "./_context.js";
import { SIGNAL_EXIT, type StopSignal } from "./_exit.js";

/**
 * SIGINT (Ctrl-C) and SIGTERM, handled alike: the first aborts `controller` (creates in flight
 * finish and are recorded, the state is saved, the lock released) and the command then prints one
 * line saying how to resume; a second exits at once (the lock, left by a process that is gone,
 * is taken over by the next submit). Only when stopping takes a while does a line say what it
 * waits for. `received()` names the signal that stopped the run.
 */
export function onStopSignals(
  io: CliIo,
  controller: AbortController,
  noticeMs = 2000,
): { received: () => StopSignal | null; dispose: () => void } {
  let first: StopSignal | null = null;
  let notice: NodeJS.Timeout | undefined;
  const handler = (signal: StopSignal) => {
    if (first !== null) process.exit(SIGNAL_EXIT[signal]);
    first = signal;
    controller.abort();
    notice = setTimeout(() => {
      io.stderr.write(
        `\nStopping (${signal}): waiting for creates in flight to be recorded (${signal === "SIGINT" ? "Ctrl-C" : "SIGTERM"} again to exit at once).\n`,
      );
    }, noticeMs).unref();
  };
  const listeners = (Object.keys(SIGNAL_EXIT) as StopSignal[]).map((signal) => {
    const listener = () => handler(signal);
    process.on(signal, listener);
    return () => process.off(signal, listener);
  });
  return {
    received: () => first,
    dispose: () => {
      clearTimeout(notice);
      for (const off of listeners) off();
    },
  };
}

/** Resolves on the first SIGINT or SIGTERM (`emulate` serves until then). */
export function untilStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      for (const signal of Object.keys(SIGNAL_EXIT)) process.off(signal, stop);
      resolve();
    };
    for (const signal of Object.keys(SIGNAL_EXIT)) process.on(signal, stop);
  });
}
