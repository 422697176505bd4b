/**
 * The emulator's clock, as a client can read it: every answer of `cacheplan emulate` carries this
 * header with its time scale (emulated ms per real ms), so that a runner pointed at the emulator
 * can poll on the emulator's clock. The real API never sends it.
 */
export const TIME_SCALE_HEADER = "x-cacheplan-time-scale";
