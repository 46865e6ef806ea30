// The pause SessionRecorder takes before retrying an append that lost a race to another process:
// the core may not use timers or randomness, so the composition roots pass this in.

/** Upper bound of the first pause; it doubles with every race lost in a row. */
const BASE_MS = 2;
/** No single pause is longer, so giving up (fail closed) stays within a request's time budget. */
const CAP_MS = 50;

/**
 * Full-jitter exponential backoff: a random pause in [0, min(50, 2 · 2^attempt)) ms, where
 * `attempt` counts the races lost so far (1 for the first). Randomness spreads writers that
 * collided, so they do not collide again on the next seq.
 */
export const jitteredBackoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt)));

/** Waits `ms` (the long poll of a held request's status). */
export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
