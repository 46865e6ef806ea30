// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// Connection strings with a password in the URL: `postgres://user:pw@host/db`,
// `mongodb+srv://u:pw@cluster`, `redis://:pw@host`, `amqp://guest:guest@mq`,
// `jdbc:mysql://u:pw@host`. The whole URL is one SECRET (it would be useless without the
// password, and masking it whole keeps the password from surfacing inside an e-mail finding).
// `password=` parameters (JDBC, ADO.NET `Password=…;`) are the labelled-secret detector's.
import { isAlnumCode, isLetterCode, positional, tick } from './scan.js';

const MAX_SCHEME = 32;
/** Userinfo and host are read at most this far: the work per `://` is constant. */
const MAX_AUTHORITY = 512;

const isSchemeCode = (c: number): boolean => isAlnumCode(c) || c === 43 || c === 45 || c === 46;
/** Characters that end a URL in free text. */
const isUrlEnd = (c: number): boolean =>
  c <= 32 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62 || Number.isNaN(c);

export const connectionUrlDetector = positional('SECRET', ['colon'], (text, q, lastEnd, hit) => {
  if (text.charCodeAt(q) !== 58 || text.charCodeAt(q + 1) !== 47 || text.charCodeAt(q + 2) !== 47)
    return false;
  // Scheme: leftwards over [A-Za-z0-9+.-], starting with a letter; a `jdbc:` before it is included.
  let start = q;
  while (start > 0 && q - start < MAX_SCHEME && isSchemeCode(text.charCodeAt(start - 1))) start--;
  while (start < q && !isLetterCode(text.charCodeAt(start))) start++;
  if (start === q) return false;
  if (text.startsWith('jdbc:', start - 5)) start -= 5;
  if (start < lastEnd) return false;
  // Authority: up to the first `/ ? #` or the end of the URL; its last `@` ends the userinfo.
  const from = q + 3;
  let at = -1;
  let colon = -1;
  let p = from;
  while (p < text.length && p - from < MAX_AUTHORITY) {
    const c = text.charCodeAt(p);
    if (c === 47 || c === 63 || c === 35 || isUrlEnd(c)) break;
    if (c === 64) at = p;
    else if (c === 58 && colon === -1) colon = p;
    p++;
  }
  tick(p - from + 1);
  if (at === -1) return false;
  if (colon === -1 || colon >= at - 1) return false; // no password, or an empty one
  let end = p;
  while (end < text.length && !isUrlEnd(text.charCodeAt(end))) {
    tick();
    end++;
  }
  // Trailing punctuation of a sentence is not part of the URL.
  while (end > at && ',.;)'.includes(text[end - 1]!)) end--;
  hit.start = start;
  hit.end = end;
  return true;
});
