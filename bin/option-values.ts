// Parsers for the values of numeric and duration options: strict (no `1e3`, `0x10`, ` 5`, `5.0`),
// bounded, and a duration always carries its unit, since `--ttl 15` could mean seconds or minutes.
import { InvalidArgumentError } from 'commander';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
type Unit = keyof typeof UNIT_SECONDS;

/** `900` → `15m`: a number of seconds in the largest unit that divides it. */
export const formatDuration = (seconds: number): string => {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (seconds >= UNIT_SECONDS[unit] && seconds % UNIT_SECONDS[unit] === 0)
      return `${seconds / UNIT_SECONDS[unit]}${unit}`;
  }
  return `${seconds}s`;
};

/**
 * Parses `90s`, `15m`, `2h`, `1d` into seconds, between `min` and `max` seconds. A bare number is
 * refused with a message asking for a unit. Errors are commander's InvalidArgumentError, so a bad
 * value is reported like any other command-line mistake.
 */
export const parseDuration = (
  text: string,
  bounds: { readonly min: number; readonly max: number },
): number => {
  const range = `from ${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}`;
  if (/^\d+$/.test(text))
    throw new InvalidArgumentError(
      `A duration needs a unit: write e.g. ${text}s or ${text}m (units s, m, h, d; ${range}).`,
    );
  const match = /^(\d{1,9})([smhd])$/.exec(text);
  if (!match)
    throw new InvalidArgumentError(
      `Not a duration: write a whole number and a unit, e.g. 900s, 15m, 1h (units s, m, h, d; ${range}).`,
    );
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as Unit];
  if (seconds < bounds.min || seconds > bounds.max)
    throw new InvalidArgumentError(`The duration must be ${range}.`);
  return seconds;
};

/** Parses a whole number from `min` to `max`, written in plain decimal digits. */
export const parseInteger = (
  text: string,
  bounds: { readonly min: number; readonly max: number },
): number => {
  const value = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max)
    throw new InvalidArgumentError(`It must be a whole number from ${bounds.min} to ${bounds.max}.`);
  return value;
};

/** A value that may not be empty or blank (`--sub ""`). */
export const parseNonEmpty = (text: string): string => {
  if (text.trim() === '') throw new InvalidArgumentError('It may not be empty.');
  return text;
};
