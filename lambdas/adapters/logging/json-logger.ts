// Logger that writes one JSON object per line (CloudWatch on Lambda, stdout/stderr locally).
import type { LogEntry, Logger } from '../../core/ports.js';

type Level = 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { info: 0, warn: 1, error: 2, silent: 3 };

export const createJsonLogger = (
  options: { level?: Level | 'silent'; write?: (line: string, level: Level) => void; base?: LogEntry } = {},
): Logger => {
  const threshold = ORDER[options.level ?? 'info'];
  const write =
    options.write ??
    ((line: string, level: Level) => (level === 'info' ? process.stdout : process.stderr).write(`${line}\n`));
  const log = (level: Level) => (message: string, entry?: LogEntry) => {
    if (ORDER[level] < threshold) return;
    write(
      JSON.stringify({ level, time: new Date().toISOString(), message, ...options.base, ...entry }),
      level,
    );
  };
  return { info: log('info'), warn: log('warn'), error: log('error') };
};
