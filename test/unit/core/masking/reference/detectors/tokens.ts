// Reference copy, for the differential tests (detectors-reference.test.ts): this file as it was at
// a259496, before the throughput work. Not used by the gateway; do not optimise it.
// Vendor API tokens, recognised by their documented prefixes: GitHub (`ghp_`, `gho_`, `ghu_`,
// `ghs_`, `ghr_`, `github_pat_`), Slack (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`, `xoxo-`,
// `xapp-`, incoming-webhook URLs), Stripe (`sk_`, `rk_`, `pk_` live and test keys, `whsec_`) and
// Google API keys (`AIza`). A prefix with enough characters after it is a secret whatever the
// rest: the work per start is one bounded run.
import { isAlnumCode, positional, tick, wordAt } from './scan.js';

const isTokenCode = (c: number): boolean => isAlnumCode(c) || c === 95 || c === 45;

/** End of the run of `[A-Za-z0-9_-]` at `i` (reads at most `cap` characters). */
const runEnd = (
  text: string,
  i: number,
  cap: number,
  accept: (c: number) => boolean = isTokenCode,
): number => {
  let j = i;
  while (j < text.length && j - i < cap && accept(text.charCodeAt(j))) j++;
  tick(j - i + 1);
  return j;
};

const MAX_TOKEN = 512;

interface Prefix {
  readonly prefix: string;
  /** Characters required after the prefix. */
  readonly min: number;
  readonly accept?: (c: number) => boolean;
}

const isAlnumUnderscore = (c: number): boolean => isAlnumCode(c) || c === 95;

const PREFIXES: readonly Prefix[] = [
  // GitHub: 36 base62 characters after the prefix (fewer accepted: older and test tokens).
  ...['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((prefix) => ({
    prefix,
    min: 20,
    accept: isAlnumUnderscore,
  })),
  { prefix: 'github_pat_', min: 20, accept: isAlnumUnderscore },
  // Slack bot, user, app-level, refresh, legacy tokens.
  ...['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxo-', 'xoxe-', 'xapp-'].map((prefix) => ({
    prefix,
    min: 10,
  })),
  // Stripe secret, restricted and publishable keys (publishable ones are meant for browsers, but
  // an agent has no use for them either), webhook signing secrets.
  ...['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'pk_live_', 'pk_test_'].map((prefix) => ({
    prefix,
    min: 10,
    accept: isAlnumCode,
  })),
  { prefix: 'whsec_', min: 20, accept: isAlnumCode },
  // Google API keys: AIza + 35 characters of [A-Za-z0-9_-].
  { prefix: 'AIza', min: 30 },
];

/** The first letters of the prefixes, for the dispatcher's markers. */
export const TOKEN_PREFIXES: readonly string[] = PREFIXES.map((p) => p.prefix);

export const vendorTokenDetector = positional('SECRET', ['marker'], (text, i, _lastEnd, hit) => {
  if (wordAt(text, i - 1)) return false;
  for (const { prefix, min, accept } of PREFIXES) {
    if (!text.startsWith(prefix, i)) continue;
    const from = i + prefix.length;
    const end = runEnd(text, from, MAX_TOKEN, accept);
    if (end - from < min) return false;
    hit.start = i;
    hit.end = end;
    return true;
  }
  return false;
});

// ---------------------------------------------------------------------------------------------
// Slack incoming webhooks: https://hooks.slack.com/services/T…/B…/… (also workflows/, triggers/)

const SLACK_HOOK = 'hooks.slack.com/';
const isPathCode = (c: number): boolean => isTokenCode(c) || c === 47;

export const slackWebhookDetector = positional('SECRET', ['marker'], (text, i, lastEnd, hit) => {
  if (!text.startsWith(SLACK_HOOK, i) || wordAt(text, i - 1)) return false;
  const end = runEnd(text, i + SLACK_HOOK.length, MAX_TOKEN, isPathCode);
  if (end - (i + SLACK_HOOK.length) < 8) return false;
  let start = i;
  for (const scheme of ['https://', 'http://', '//'])
    if (text.startsWith(scheme, i - scheme.length) && i - scheme.length >= lastEnd) {
      start = i - scheme.length;
      break;
    }
  hit.start = start;
  hit.end = end;
  return true;
});
