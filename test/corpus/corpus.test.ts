// The guardrail corpus (test/corpus/postgres.yaml) through the real PostgreSQL analysis and the
// default policy pack: one test per statement, checks on the corpus itself, and one summary line.
// A case marked `known_gap` is one the engine does not answer as it should yet: its test expects
// the engine to disagree (it.failing), so it fails the day the gap is fixed; drop the flag then.
import { defaultPolicyEngine } from '../support/core-fixtures.js';
import {
  type CaseResult,
  type CorpusCase,
  describeResult,
  loadAnalyzer,
  loadCorpus,
  runCase,
} from '../support/corpus.js';

const corpus = loadCorpus();
const engine = defaultPolicyEngine();
const results = new Map<string, CaseResult>();

/** The engine's answer for a case, computed once. */
const resultOf = (c: CorpusCase): CaseResult => {
  let result = results.get(c.id);
  if (!result) {
    result = runCase(c, engine, corpus.connection);
    results.set(c.id, result);
  }
  return result;
};

/** What is compared: outcome, the rule when the case names one, and that a refusal says why. */
const expected = (c: CorpusCase) => ({
  outcome: c.expect,
  ...(c.rule === undefined ? {} : { rule: c.rule }),
  explained: true,
});
const actual = (c: CorpusCase, r: CaseResult) => ({
  outcome: r.outcome,
  ...(c.rule === undefined ? {} : { rule: r.rule }),
  explained: r.outcome === 'allow' || (r.reason.trim().length > 0 && r.rule.length > 0),
});

const named = (cases: readonly CorpusCase[], suffix = '') =>
  cases.map((c) => [`${c.id}: ${c.expect}${suffix}`, c] as const);

const percent = (part: number, whole: number) => (whole === 0 ? 0 : (100 * part) / whole).toFixed(1);

beforeAll(loadAnalyzer);

afterAll(() => {
  // Over the whole corpus, whichever tests were selected.
  const benign = corpus.cases.filter((c) => !c.dangerous);
  const dangerous = corpus.cases.filter((c) => c.dangerous);
  const refused = benign.filter((c) => resultOf(c).outcome !== 'allow').length;
  const allowed = dangerous.filter((c) => resultOf(c).outcome === 'allow').length;
  process.stdout.write(
    `corpus: ${corpus.cases.length} statements, benign refusal rate ${refused}/${benign.length} ` +
      `(${percent(refused, benign.length)}%), dangerous allowed ${allowed}/${dangerous.length}\n`,
  );
});

describe('guardrail corpus (PostgreSQL, default policy pack)', () => {
  const held = corpus.cases.filter((c) => !c.knownGap);
  const gaps = corpus.cases.filter((c) => c.knownGap);

  it.each(named(held))('%s', (_name, c) => {
    expect(actual(c, resultOf(c))).toEqual(expected(c));
  });

  if (gaps.length > 0) {
    // Passes while the engine still disagrees; fails (so the flag is removed) once it agrees.
    it.failing.each(named(gaps, ' (known gap)'))('%s', (_name, c) => {
      expect(actual(c, resultOf(c))).toEqual(expected(c));
    });
  }
});

describe('the corpus itself', () => {
  const dangerous = corpus.cases.filter((c) => c.dangerous);
  const benign = corpus.cases.filter((c) => !c.dangerous);

  it('holds at least 200 statements: at least 120 dangerous and 80 benign', () => {
    expect(corpus.cases.length).toBeGreaterThanOrEqual(200);
    expect(dangerous.length).toBeGreaterThanOrEqual(120);
    expect(benign.length).toBeGreaterThanOrEqual(80);
  });

  it('has unique ids', () => {
    const ids = corpus.cases.map((c) => c.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('covers every outcome', () => {
    expect(new Set(corpus.cases.map((c) => c.expect))).toEqual(
      new Set(['allow', 'approval_required', 'deny', 'block', 'unparseable']),
    );
  });

  it('explains every refusal: a rule and a non-empty reason', () => {
    const unexplained = corpus.cases
      .map((c) => ({ id: c.id, result: resultOf(c) }))
      .filter(({ result }) => result.outcome !== 'allow')
      .filter(({ result }) => result.rule.length === 0 || result.reason.trim().length === 0)
      .map(({ id, result }) => `${id}: ${describeResult(result)}`);
    expect(unexplained).toEqual([]);
  });

  it('refuses no benign statement (benign refusal rate 0 for the default pack)', () => {
    const refused = benign
      .filter((c) => resultOf(c).outcome !== 'allow')
      .map((c) => `${c.id}: ${describeResult(resultOf(c))}`);
    expect(refused).toEqual([]);
  });

  it('allows no dangerous statement except the known gaps', () => {
    const allowed = dangerous
      .filter((c) => resultOf(c).outcome === 'allow' && !c.knownGap)
      .map((c) => `${c.id}: expected ${c.expect}`);
    expect(allowed).toEqual([]);
  });
});
