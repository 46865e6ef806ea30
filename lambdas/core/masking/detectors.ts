// Value detectors: find sensitive values (e-mail addresses, phone numbers, SSNs, payment cards,
// IBANs, national identifiers, secrets) inside free text. Every detector is a hand-written
// scanner, linear in the length of the text (no backtracking regular expressions); `detectorWork`
// counts their steps so tests can check linearity without clocks. The built-in ones are
// positional: one pass per string (detectors/dispatch.ts) asks each only where it can start.
// Detectors never throw: a scanner failure reports the whole text as a finding (fail closed).
import { connectionUrlDetector } from './detectors/connection-url.js';
import { candidates, dispatch, hasTrigger } from './detectors/dispatch.js';

export { nextTrigger } from './detectors/dispatch.js';

import { emailDetector } from './detectors/email.js';
import { ibanDetector } from './detectors/iban.js';
import { NATIONAL_ID_DETECTORS } from './detectors/national/index.js';
import { creditCardDetector, phoneDetector, ssnDetector } from './detectors/numbers.js';
import { tick } from './detectors/scan.js';
import {
  awsAccessKeyDetector,
  jwtDetector,
  labelledSecretDetector,
  privateKeyDetector,
} from './detectors/secrets.js';
import { slackWebhookDetector, vendorTokenDetector } from './detectors/tokens.js';
import type { Detector, Finding } from './types.js';

export { connectionUrlDetector } from './detectors/connection-url.js';
export { emailDetector } from './detectors/email.js';
export { IBAN_LENGTHS, ibanDetector, ibanValid } from './detectors/iban.js';
export {
  aadhaarDetector,
  cnpjDetector,
  cnpjValid,
  cpfDetector,
  cpfValid,
  euVatDetector,
  NATIONAL_ID_DETECTORS,
  ninoDetector,
  panDetector,
  sinDetector,
  VAT_FORMATS,
  verhoeff,
} from './detectors/national/index.js';
export {
  creditCardDetector,
  isCardNumber,
  luhnValid,
  phoneDetector,
  plausibleCard,
  ssnDetector,
  validSsn,
} from './detectors/numbers.js';
export { detectorWork, isPositional, type PositionalDetector, resetDetectorWork } from './detectors/scan.js';
export {
  awsAccessKeyDetector,
  jwtDetector,
  labelledSecretDetector,
  looksSecret,
  privateKeyDetector,
  type SecretLabelKind,
  secretLabelKind,
} from './detectors/secrets.js';
export { slackWebhookDetector, vendorTokenDetector } from './detectors/tokens.js';

/**
 * The built-in detectors, in priority order: when two findings of the same length start at the
 * same offset, the earlier detector's class wins.
 */
export const DEFAULT_DETECTORS: readonly Detector[] = [
  privateKeyDetector,
  jwtDetector,
  awsAccessKeyDetector,
  vendorTokenDetector,
  slackWebhookDetector,
  connectionUrlDetector,
  labelledSecretDetector,
  ibanDetector,
  creditCardDetector,
  ssnDetector,
  ...NATIONAL_ID_DETECTORS,
  emailDetector,
  phoneDetector,
];

/**
 * Whether any built-in detector could find something in `text`: each needs a digit, an `@`, a `:`
 * or `=` (labelled secrets, connection URLs), or a fixed marker (`eyJ`, `AKIA`, `ghp_`,
 * `-----BEGIN `…). Most strings (names, statuses, prose) have none and skip the detectors.
 */
export const mayHoldFinding = (text: string): boolean => typeof text === 'string' && hasTrigger(text);

/** The answer for text without findings: shared, never to be mutated. */
const NO_FINDINGS: readonly Finding[] = Object.freeze([]);

/**
 * The findings of the last `resolveFindings`, non-overlapping and sorted by offset: module-level
 * and reused, so that scrubbing allocates nothing per finding. Valid until the next call.
 */
export const resolved = {
  start: new Int32Array(16),
  end: new Int32Array(16),
  dataClass: [] as string[],
};

const grow = (n: number): void => {
  if (n <= resolved.start.length) return;
  const size = Math.max(n, 2 * resolved.start.length);
  resolved.start = new Int32Array(size);
  resolved.end = new Int32Array(size);
};

/**
 * All findings of `detectors` in `text` into `resolved`; returns their count. Overlaps are
 * resolved longest first, then earliest, then by detector order: deterministic. `first`, when
 * given, is `nextTrigger(text, 0)` already computed by the caller.
 */
export const resolveFindings = (text: string, detectors: readonly Detector[], first?: number): number => {
  if (typeof text !== 'string' || text.length === 0) return 0;
  const n = dispatch(text, detectors, first);
  if (n === 0) return 0;
  const { start, end, dataClass } = candidates;
  // The common case: findings already in order and apart (one detector each, or far apart).
  let ordered = true;
  for (let k = 0; k < n && ordered; k++) {
    if (start[k]! < 0 || end[k]! > text.length || end[k]! <= start[k]!) ordered = false;
    else if (k > 0 && start[k]! < end[k - 1]!) ordered = false;
  }
  grow(n);
  if (ordered) {
    for (let k = 0; k < n; k++) {
      resolved.start[k] = start[k]!;
      resolved.end[k] = end[k]!;
      resolved.dataClass[k] = dataClass[k]!;
    }
    return n;
  }
  return n <= SMALL ? resolveFew(text, n) : resolveMany(text, n);
};

/** Up to this many overlapping candidates are resolved in scratch arrays, without allocating. */
const SMALL = 32;
const ranked = new Int32Array(SMALL);
const spanFrom = new Int32Array(SMALL);
const spanTo = new Int32Array(SMALL);
const picked = new Uint8Array(SMALL);

/** Whether candidate `a` goes before `b`: longer first, then earlier, then by detector order. */
const before = (a: number, b: number): boolean => {
  const la = spanTo[a]! - spanFrom[a]!;
  const lb = spanTo[b]! - spanFrom[b]!;
  if (la !== lb) return la > lb;
  if (spanFrom[a] !== spanFrom[b]) return spanFrom[a]! < spanFrom[b]!;
  return candidates.order[a]! < candidates.order[b]!;
};

/** resolveMany's choice for at most SMALL candidates: insertion sort, overlaps checked pairwise. */
const resolveFew = (text: string, n: number): number => {
  const { start, end } = candidates;
  let m = 0;
  for (let k = 0; k < n; k++) {
    const from = Math.max(0, Math.min(start[k]!, text.length));
    spanFrom[k] = from;
    spanTo[k] = Math.max(from, Math.min(end[k]!, text.length));
    picked[k] = 0;
    if (spanTo[k]! <= from) continue;
    // Insert k among the first m, in priority order.
    let p = m++;
    while (p > 0 && before(k, ranked[p - 1]!)) {
      ranked[p] = ranked[p - 1]!;
      p--;
    }
    ranked[p] = k;
  }
  for (let q = 0; q < m; q++) {
    const k = ranked[q]!;
    tick(spanTo[k]! - spanFrom[k]!);
    let free = true;
    for (let r = 0; r < q && free; r++) {
      const j = ranked[r]!;
      if (picked[j] && spanFrom[j]! < spanTo[k]! && spanFrom[k]! < spanTo[j]!) free = false;
    }
    if (free) picked[k] = 1;
  }
  // The chosen ones by offset (they do not overlap, so their starts differ).
  let count = 0;
  for (let k = 0; k < n; k++) {
    if (!picked[k]) continue;
    let p = count++;
    while (p > 0 && resolved.start[p - 1]! > spanFrom[k]!) {
      resolved.start[p] = resolved.start[p - 1]!;
      resolved.end[p] = resolved.end[p - 1]!;
      resolved.dataClass[p] = resolved.dataClass[p - 1]!;
      p--;
    }
    resolved.start[p] = spanFrom[k]!;
    resolved.end[p] = spanTo[k]!;
    resolved.dataClass[p] = candidates.dataClass[k]!;
  }
  return count;
};

/** Overlapping candidates, any number: sorted by priority, each taken if its span is still free. */
const resolveMany = (text: string, n: number): number => {
  const { start, end, dataClass, order } = candidates;
  const clamped: { finding: Finding; order: number }[] = [];
  for (let k = 0; k < n; k++) {
    const from = Math.max(0, Math.min(start[k]!, text.length));
    const to = Math.max(from, Math.min(end[k]!, text.length));
    if (to > from)
      clamped.push({ finding: { dataClass: dataClass[k]!, start: from, end: to }, order: order[k]! });
  }
  clamped.sort(
    (a, b) =>
      b.finding.end - b.finding.start - (a.finding.end - a.finding.start) ||
      a.finding.start - b.finding.start ||
      a.order - b.order,
  );
  const taken = new Uint8Array(text.length);
  const chosen: Finding[] = [];
  for (const { finding } of clamped) {
    let free = true;
    for (let i = finding.start; i < finding.end; i++) {
      tick();
      if (taken[i]) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, finding.start, finding.end);
    chosen.push(finding);
  }
  chosen.sort((a, b) => a.start - b.start);
  for (let k = 0; k < chosen.length; k++) {
    resolved.start[k] = chosen[k]!.start;
    resolved.end[k] = chosen[k]!.end;
    resolved.dataClass[k] = chosen[k]!.dataClass;
  }
  return chosen.length;
};

/**
 * All findings of `detectors` in `text`, non-overlapping, sorted by offset. Overlaps are resolved
 * longest first, then earliest, then by detector order: deterministic. Linear in the text
 * length times the number of detectors (each detector's own findings do not overlap).
 */
export const findAll = (
  text: string,
  detectors: readonly Detector[] = DEFAULT_DETECTORS,
): readonly Finding[] => {
  const n = resolveFindings(text, detectors);
  if (n === 0) return NO_FINDINGS;
  const out = new Array<Finding>(n);
  for (let k = 0; k < n; k++)
    out[k] = { dataClass: resolved.dataClass[k]!, start: resolved.start[k]!, end: resolved.end[k]! };
  return out;
};
