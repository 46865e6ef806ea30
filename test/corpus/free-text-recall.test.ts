// The free-text recall corpus (test/corpus/free-text-recall.yaml) through the built-in detectors:
// every labelled value must be masked, by its class (recall 100%); findings elsewhere, in the
// negatives or outside the labelled values, count against precision, which must stay above the
// floor measured when the corpus was built. One summary line reports both figures.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { findAll } from '../../lambdas/core/masking/detectors.js';
import { scrubText } from '../../lambdas/core/masking/scrub.js';
import type { Finding } from '../../lambdas/core/masking/types.js';

interface Span {
  readonly class: string;
  readonly value: string;
}
interface Corpus {
  readonly positives: readonly { readonly text: string; readonly spans: readonly Span[] }[];
  readonly negatives: readonly string[];
}

const corpus = parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'free-text-recall.yaml'), 'utf8'),
) as Corpus;

/** Precision measured on this corpus when it was built (see docs/detectors.md); a floor, not a goal. */
const PRECISION_FLOOR = 0.97;

const located = (text: string, span: Span) => {
  const start = text.indexOf(span.value);
  return { ...span, start, end: start + span.value.length };
};
const covers = (f: Finding, s: { start: number; end: number }) => f.start <= s.start && f.end >= s.end;
const overlaps = (f: Finding, s: { start: number; end: number }) => f.start < s.end && s.start < f.end;

describe('free-text recall corpus', () => {
  it('is well-formed: every labelled value occurs once in its text', () => {
    const bad = corpus.positives.flatMap((p) =>
      p.spans.filter(
        (s) => p.text.indexOf(s.value) === -1 || p.text.indexOf(s.value) !== p.text.lastIndexOf(s.value),
      ),
    );
    expect(bad).toEqual([]);
    expect(corpus.positives.length).toBeGreaterThan(50);
    expect(corpus.negatives.length).toBeGreaterThan(40);
  });

  it.each(corpus.positives.map((p) => [p.text, p] as const))('masks every labelled value in %j', (_t, p) => {
    const findings = findAll(p.text);
    const got = p.spans.map((span) => {
      const s = located(p.text, span);
      const f = findings.find((x) => covers(x, s));
      return { value: s.value, class: f?.dataClass ?? 'NOT MASKED' };
    });
    expect(got).toEqual(p.spans.map((s) => ({ value: s.value, class: s.class })));
    // And the scrubbed text no longer contains the value.
    const { text } = scrubText(p.text, { strategyFor: () => ({ kind: 'redact' }), tokenKey: 'k' });
    for (const span of p.spans) expect(text).not.toContain(span.value);
  });

  it('keeps recall at 100% and precision above its floor', () => {
    let labelled = 0;
    let recalled = 0;
    let truePositive = 0;
    const falsePositive: string[] = [];
    for (const p of corpus.positives) {
      const spans = p.spans.map((s) => located(p.text, s));
      const findings = findAll(p.text);
      labelled += spans.length;
      recalled += spans.filter((s) => findings.some((f) => covers(f, s) && f.dataClass === s.class)).length;
      for (const f of findings) {
        if (spans.some((s) => overlaps(f, s))) truePositive++;
        else
          falsePositive.push(
            `${f.dataClass} ${JSON.stringify(p.text.slice(f.start, f.end))} in ${JSON.stringify(p.text)}`,
          );
      }
    }
    for (const text of corpus.negatives)
      for (const f of findAll(text))
        falsePositive.push(
          `${f.dataClass} ${JSON.stringify(text.slice(f.start, f.end))} in ${JSON.stringify(text)}`,
        );
    const recall = recalled / labelled;
    const precision = truePositive / (truePositive + falsePositive.length);
    process.stdout.write(
      `free-text recall corpus: ${labelled} labelled values, recall ${(100 * recall).toFixed(1)}%, ` +
        `precision ${(100 * precision).toFixed(1)}% (${truePositive} true, ${falsePositive.length} false findings` +
        `${falsePositive.length ? `: ${falsePositive.join('; ')}` : ''})\n`,
    );
    expect(recall).toBe(1);
    expect(precision).toBeGreaterThanOrEqual(PRECISION_FLOOR);
  });
});
