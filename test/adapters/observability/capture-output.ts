// Captures what the process writes to stdout and stderr during a test, one entry per line.
import { jest } from '@jest/globals';

export interface CapturedOutput {
  /** Lines written so far, in order, with the stream each went to. */
  lines(): Array<{ stream: 'stdout' | 'stderr'; text: string }>;
  /** Every line parsed as JSON (fails the test on a line that is not). */
  json(): Array<Record<string, unknown>>;
  restore(): void;
}

export const captureOutput = (): CapturedOutput => {
  const captured: Array<{ stream: 'stdout' | 'stderr'; text: string }> = [];
  const spy = (stream: 'stdout' | 'stderr') =>
    jest.spyOn(process[stream], 'write').mockImplementation((chunk: unknown) => {
      for (const text of String(chunk).split('\n')) if (text !== '') captured.push({ stream, text });
      return true;
    });
  const spies = [spy('stdout'), spy('stderr')];
  return {
    lines: () => [...captured],
    json: () => captured.map(({ text }) => JSON.parse(text) as Record<string, unknown>),
    restore: () => {
      for (const s of spies) s.mockRestore();
    },
  };
};
