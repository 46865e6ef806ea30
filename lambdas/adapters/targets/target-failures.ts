// How both SQL executors describe a request that ended on the gateway's side (the commit not
// confirmed, the byte budget, the deadline, a statement that ended the transaction): one wording,
// one set of details, whichever driver saw it.
import { TargetError, TargetTimeoutError } from '../../core/errors.js';

export interface FailureContext {
  readonly mode: 'read' | 'write';
  readonly maxResultBytes: number | undefined;
  readonly timeoutMs: number;
  /** COMMIT was sent and no server answer came back. */
  readonly commitUnconfirmed: boolean;
  readonly budgetExceeded: boolean;
  readonly deadline: boolean;
  readonly transactionEnded: boolean;
  /** How the statement that ended the transaction did it, for the write-mode message. */
  readonly endedBy?: string;
}

/** The error for a failure the gateway itself detected, or undefined for a server's own error. */
export const gatewaySideFailure = (error: unknown, f: FailureContext): Error | undefined => {
  if (f.commitUnconfirmed) {
    return new TargetError(
      'The target did not confirm the commit: the writes may or may not have been applied.',
      {
        cause: error,
        details: { outcome: 'unknown' },
      },
    );
  }
  if (f.budgetExceeded) {
    return new TargetError(`The result exceeds ${f.maxResultBytes} bytes; select fewer rows or columns.`, {
      cause: error,
    });
  }
  if (f.deadline) return new TargetTimeoutError(f.timeoutMs);
  if (f.transactionEnded) {
    return new TargetError(
      f.mode === 'write'
        ? `A statement ended the transaction${f.endedBy ? ` (${f.endedBy})` : ''}; what it committed is unknown, and the statements after it did not run.`
        : 'A statement ended the read-only transaction; the request was stopped.',
      { cause: error, ...(f.mode === 'write' ? { details: { outcome: 'unknown' } } : {}) },
    );
  }
  return undefined;
};
