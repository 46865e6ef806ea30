// SQL text as people are shown it (reviewers, notifications, recordings): the values detectors
// find are masked inside the literals the dialect's lexer found, and nowhere else. A detector run
// over the whole text can mask across a literal's closing quote (`'password: ', status = ...`
// read as one secret) and show reviewers a statement other than the one that runs.
import type { LiteralSpan } from '../sql/facts.js';
import { scrubText } from './scrub.js';

const redactAll = { strategyFor: () => ({ kind: 'redact' as const }), tokenKey: 'unused' };

/** A literal with what is inside its quotes (`E'…'`, `$tag$…$tag$`, `"…"`) masked; a number whole. */
const maskLiteral = (literal: string): string => {
  const open = literal.search(/['"$]/);
  const close = Math.max(literal.lastIndexOf("'"), literal.lastIndexOf('"'), literal.lastIndexOf('$'));
  if (open < 0 || close <= open) return scrubText(literal, redactAll).text;
  // A dollar quote's tag stays as it is: `$tag$` up to the second `$`.
  const body = literal[open] === '$' ? literal.indexOf('$', open + 1) + 1 : open + 1;
  const tail = literal[close] === '$' ? literal.lastIndexOf('$', close - 1) : close;
  if (body <= open || tail < body) return literal;
  return literal.slice(0, body) + scrubText(literal.slice(body, tail), redactAll).text + literal.slice(tail);
};

/** `sql` with detected values redacted inside its literals; the rest verbatim. */
export const maskSqlLiterals = (sql: string, literals: readonly LiteralSpan[]): string => {
  let shown = '';
  let from = 0;
  for (const { start, end } of literals) {
    if (start < from || end > sql.length) continue;
    shown += sql.slice(from, start) + maskLiteral(sql.slice(start, end));
    from = end;
  }
  return shown + sql.slice(from);
};

/** Free text people wrote (a justification, a reviewer's reason), detected values redacted. */
export const maskFreeText = (text: string): string => scrubText(text, redactAll).text;
