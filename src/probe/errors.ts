/** Errors of `probe()`, in the project's family (`src/errors.ts`): each with a stable `code`. */
import { CacheplanError } from "../errors.js";

/**
 * The probe cannot run as asked:
 * - `probe-folder`: `out` holds something that is not this probe's (nothing there is touched);
 * - `probe-mismatch`: `out` holds a probe of another model, `k` or `long` (resume it as it was);
 * - `probe-unpriced`: the model has no price, so no cap can be kept;
 * - `probe-not-cacheable`: count_tokens could not size a prefix above the minimum.
 */
export class ProbeError extends CacheplanError {
  override name = "ProbeError";

  constructor(
    code: "probe-folder" | "probe-mismatch" | "probe-unpriced" | "probe-not-cacheable",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
