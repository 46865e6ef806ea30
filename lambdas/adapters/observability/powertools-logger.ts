// Logger port on Powertools for AWS Lambda Logger: one JSON object per line, each line carrying
// the keys of the invocation it belongs to (request id, Lambda context).
import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogEntry, Logger } from '../../core/ports.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const POWERTOOLS_LEVELS = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  silent: 'SILENT',
} as const;

export interface PowertoolsLoggerOptions {
  /**
   * Lowest level written. On Lambda, a log level set by Advanced Logging Controls
   * (AWS_LAMBDA_LOG_LEVEL) wins, as Powertools does.
   * @default - 'info'
   */
  readonly level?: LogLevel;
  /**
   * The `service` key of every line.
   * @default - 'tollgate'
   */
  readonly serviceName?: string;
}

/** The Logger port, plus the per-invocation keys a handler's middleware sets. */
export interface ObservedLogger extends Logger {
  /**
   * Replaces the keys every line of the current invocation carries. Replacing (not merging)
   * means nothing of an earlier invocation survives into the next one.
   */
  setInvocationKeys(keys: LogEntry): void;
  /**
   * Runs `fn` as one invocation: keys set while it runs stay with it. Hosts that run invocations
   * concurrently in one process (the local server) wrap each one; without it the keys are the
   * process's, which is right only when invocations do not overlap (Lambda on-demand).
   */
  runInvocation<T>(fn: () => T): T;
}

export const createPowertoolsLogger = (options: PowertoolsLoggerOptions = {}): ObservedLogger => {
  const powertools = new PowertoolsLogger({
    serviceName: options.serviceName ?? 'tollgate',
    logLevel: POWERTOOLS_LEVELS[options.level ?? 'info'],
  });
  // Not Powertools' appendKeys/addContext: those are process-wide outside Lambda managed
  // instances, so two concurrent requests on the local server would swap request ids.
  const scope = new AsyncLocalStorage<{ keys: LogEntry }>();
  let processKeys: LogEntry = {};
  const keys = () => scope.getStore()?.keys ?? processKeys;
  const log =
    (level: 'info' | 'warn' | 'error') =>
    (message: string, entry?: LogEntry): void =>
      powertools[level](message, { ...keys(), ...entry });
  return {
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    setInvocationKeys(next) {
      const store = scope.getStore();
      if (store) store.keys = { ...next };
      else processKeys = { ...next };
    },
    runInvocation: (fn) => scope.run({ keys: {} }, fn),
  };
};
