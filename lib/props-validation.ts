// Prop validation for Tollgate constructs: collect every problem first, then fail once.
import { Token } from 'aws-cdk-lib';

/** Construct props that cannot work; `problems` lists every one found, not just the first. */
export class InvalidPropsError extends Error {
  readonly problems: readonly string[];

  constructor(construct: string, problems: readonly string[]) {
    super(`Invalid ${construct} props:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidPropsError';
    this.problems = problems;
  }
}

/** Throws an {@link InvalidPropsError} when `problems` is not empty. */
export const assertNoProblems = (construct: string, problems: readonly string[]): void => {
  if (problems.length > 0) throw new InvalidPropsError(construct, problems);
};

/**
 * The problem with an integer prop outside [min, max], or undefined when it is fine. Unset
 * values and tokens pass: defaults are valid and tokens are only known at deploy time.
 */
export const integerProblem = (
  name: string,
  value: number | undefined,
  min: number,
  max: number,
): string | undefined => {
  if (value === undefined || Token.isUnresolved(value)) return undefined;
  return Number.isInteger(value) && value >= min && value <= max
    ? undefined
    : `${name} must be an integer from ${min} to ${max}, got ${value}`;
};

/** The problem with a string that must be an https URL, or undefined when it is one (or a token). */
export const httpsUrlProblem = (name: string, value: string): string | undefined => {
  if (Token.isUnresolved(value)) return undefined;
  try {
    return new URL(value).protocol === 'https:' ? undefined : `${name} must be an https URL, got ${value}`;
  } catch {
    return `${name} must be an https URL, got ${value}`;
  }
};

/** Keeps the problems that were found. */
export const found = (...problems: (string | undefined)[]): string[] =>
  problems.filter((p): p is string => p !== undefined);
