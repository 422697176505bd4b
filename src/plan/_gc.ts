/**
 * A full garbage collection on request (internal). The bounded-memory planner reads gigabytes of
 * JSON; V8 lets garbage pile up to a multiple of the live heap before it collects, so the peak
 * resident memory would follow the volume read rather than what is kept. Collecting every few
 * tens of megabytes read keeps the peak near the live heap. `gc` is exposed for this process's new
 * contexts only (`--expose-gc` set at run time, the function taken from a fresh context); when
 * that is not possible, `collect()` does nothing.
 */
import v8 from "node:v8";
import vm from "node:vm";

let gc: (() => void) | null | undefined;

/** Collects garbage now, when the runtime allows it. */
export function collect(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString("--expose-gc");
      gc = vm.runInNewContext("gc") as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}

/** Calls `collect()` each time `every` more units (bytes) went by. */
export class Collector {
  #since = 0;
  constructor(readonly every: number) {}

  add(units: number): void {
    this.#since += units;
    if (this.#since >= this.every) {
      this.#since = 0;
      collect();
    }
  }
}
