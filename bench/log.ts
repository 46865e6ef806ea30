// Progress messages on stderr, so stdout stays free for the report (and for --json).

/** Writes one progress line to stderr. */
export const progress = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};
