// SQL as people are shown it: values masked inside literals only, as the dialect's lexer finds
// them, so the shown text is the statement that runs (a detector over the whole text once read
// `'password: ', status = $$refunded$$ WHERE id = 42 --'` as one secret and showed reviewers
// `... WHERE id = 1`).
import { maskSqlLiterals } from '../../../../lambdas/core/masking/sql-text.js';
import { mysqlAnalyzer } from '../../../../lambdas/core/sql/analyze-mysql.js';
import { postgresAnalyzer } from '../../../../lambdas/core/sql/analyze-postgres.js';

beforeAll(async () => {
  await Promise.all([postgresAnalyzer.load(), mysqlAnalyzer.load()]);
});

const shown = (analyzer: typeof postgresAnalyzer, sql: string) => {
  const facts = analyzer.analyze(sql);
  if (!facts.parseOk) throw new Error(facts.error);
  return maskSqlLiterals(sql, facts.literals ?? []);
};

/** What is outside the literals: the statement's structure, which must be shown unchanged. */
const outside = (analyzer: typeof postgresAnalyzer, sql: string) => {
  const facts = analyzer.analyze(sql);
  if (!facts.parseOk) throw new Error(facts.error);
  let rest = '';
  let from = 0;
  for (const { start, end } of facts.literals ?? []) {
    rest += `${sql.slice(from, start)}L`;
    from = end;
  }
  return rest + sql.slice(from);
};

describe.each([
  ['postgres', postgresAnalyzer],
  ['mysql', mysqlAnalyzer],
] as const)('%s', (_dialect, analyzer) => {
  it.each([
    "UPDATE orders SET note = 'password: ', status = 'refunded' WHERE id = 42 -- ' WHERE id = 1",
    "UPDATE orders SET note = 'token=', status = 'x' WHERE id = 42",
    "UPDATE orders SET note = 'api_key: ', status = 'x' WHERE id > 0 /* ' WHERE id = 1 */",
    "UPDATE orders SET note = 'mail me at', status = 'x' WHERE id = 42 OR 1 = 1",
    "UPDATE orders SET note = 'ssn: 078-05-', status = '1120' WHERE id = 7",
  ])('shows every token outside literals as it is: %s', (sql) => {
    expect(outside(analyzer, shown(analyzer, sql))).toBe(outside(analyzer, sql));
  });

  it('masks the values detectors find inside literals', () => {
    const text = shown(
      analyzer,
      "UPDATE t SET a = 'ssn 078-05-1120', b = 'card 4111 1111 1111 1111', c = 4111111111111111, d = 'bob@example.com' WHERE id = 1",
    );
    expect(text).toBe(
      "UPDATE t SET a = 'ssn [US_SSN]', b = 'card [CREDIT_CARD]', c = [CREDIT_CARD], d = '[EMAIL_ADDRESS]' WHERE id = 1",
    );
  });
});

it('keeps PostgreSQL quote forms and their tags (E strings, dollar quotes), masking what is inside', () => {
  expect(shown(postgresAnalyzer, "SELECT E'x 078-05-1120', $tag$ bob@example.com $tag$, U&'d\\0061t'")).toBe(
    "SELECT E'x [US_SSN]', $tag$ [EMAIL_ADDRESS] $tag$, U&'d\\0061t'",
  );
});

it('counts characters, not bytes, after non-ASCII text', () => {
  expect(shown(postgresAnalyzer, "SELECT 'café ☕ 078-05-1120', 'ü' WHERE 'x' = 'bob@example.com'")).toBe(
    "SELECT 'café ☕ [US_SSN]', 'ü' WHERE 'x' = '[EMAIL_ADDRESS]'",
  );
});

it('reads MySQL double quotes as strings and backticks as names', () => {
  expect(shown(mysqlAnalyzer, 'UPDATE `t` SET a = "078-05-1120" WHERE `b1` = 2')).toBe(
    'UPDATE `t` SET a = "[US_SSN]" WHERE `b1` = 2',
  );
});
