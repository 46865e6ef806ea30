// Which database error texts may reach an agent on a classified connection: only fixed templates
// whose every slot is a name the statement itself wrote, outside its comments and literals.
import { errorTextIsSafe } from '../../../../lambdas/core/protocols/sql/safe-error-text.js';
import { mysqlAnalyzer } from '../../../../lambdas/core/sql/analyze-mysql.js';
import { postgresAnalyzer } from '../../../../lambdas/core/sql/analyze-postgres.js';
import type { AnalysedSql } from '../../../../lambdas/core/sql/sql-questions.js';

beforeAll(() => postgresAnalyzer.load());

const analysed = (sql: string, dialect: 'postgres' | 'mysql' = 'postgres'): AnalysedSql => {
  const facts = (dialect === 'postgres' ? postgresAnalyzer : mysqlAnalyzer).analyze(sql);
  if (!facts.parseOk) throw new Error(facts.error);
  return facts;
};
const safe = (message: string, sql: string, dialect: 'postgres' | 'mysql' = 'postgres') =>
  errorTextIsSafe(message, sql, analysed(sql, dialect));

describe('errorTextIsSafe (PostgreSQL)', () => {
  it.each([
    ['relation "nope" does not exist', 'SELECT * FROM nope'],
    ['relation "crm.nope" does not exist', 'SELECT * FROM crm.nope'],
    ['relation "Nope" does not exist', 'SELECT * FROM "Nope"'],
    ['relation "nope" does not exist', 'SELECT * FROM NOPE'],
    ['column "emial" does not exist', 'SELECT emial FROM customers'],
    ['column "Emial" does not exist', 'SELECT "Emial" FROM customers'],
    ['column c.emial does not exist', 'SELECT c.emial FROM customers c'],
    ['function uper(text) does not exist', 'SELECT uper(email) FROM customers'],
    ['function public.uper(integer, text) does not exist', 'SELECT public.uper(1, email) FROM customers'],
  ])('shows %j for %j: every slot is the statement’s own', (message, sql) => {
    expect(safe(message, sql)).toBe(true);
  });

  it.each([
    // A value turned into a name at run time: not a relation the statement reads.
    ['relation "906-94-0318" does not exist', 'SELECT quote_ident(ssn)::regclass FROM customers'],
    // The name only in a comment, a string literal or a dollar-quoted string.
    ['relation "q906" does not exist', "SELECT ('q' || ssn)::regclass FROM customers /* q906 */"],
    ['column "q906" does not exist', "SELECT 'q906', ssn FROM customers -- q906"],
    ['column "q906" does not exist', 'SELECT $$q906$$, ssn FROM customers'],
    // Case matters where the server keeps it: "Q906" was written, q906 was not.
    ['column "q906" does not exist', 'SELECT "Q906" FROM customers'],
    // A value that carries its own quotes, unquoted values, templates not on the list.
    ['relation "x" Zelda "y" does not exist', 'SELECT * FROM x'],
    ['operator does not exist: 906-94-0318', 'SELECT ssn::regoper FROM customers'],
    ['unrecognized configuration parameter "x"', 'SELECT current_setting(x) FROM customers'],
    ['syntax error at or near "906" of jsonpath input', 'SELECT ssn::jsonpath FROM customers'],
    ['cross-database references are not implemented: x.y.zelda', 'SELECT name::regtype FROM customers'],
    // A function template whose "types" hold anything but type names.
    ['function uper(906-94-0318) does not exist', 'SELECT uper(ssn) FROM customers'],
  ])('withholds %j for %j', (message, sql) => {
    expect(safe(message, sql)).toBe(false);
  });
});

describe('errorTextIsSafe (MySQL/MariaDB)', () => {
  it.each([
    ["Table 'shop.nope' doesn't exist", 'SELECT * FROM nope'],
    ["Table 'shop.nope' doesn't exist", 'SELECT * FROM shop.nope'],
    ["Unknown column 'emial' in 'field list'", 'SELECT emial FROM customers'],
    ["Unknown column 'c.emial' in 'where clause'", 'SELECT 1 FROM customers c WHERE c.emial = 1'],
    ["Unknown column 'Emial' in 'field list'", 'SELECT `Emial` FROM customers'],
  ])('shows %j for %j', (message, sql) => {
    expect(safe(message, sql, 'mysql')).toBe(true);
  });

  it.each([
    ["Unknown column '906' in 'field list'", "SELECT '906', ssn FROM customers"],
    ["Unknown column 'q906' in 'field list'", 'SELECT ssn FROM customers # q906'],
    ["Unknown column 'emial' in 'Zelda'", 'SELECT emial FROM customers'],
    ["Truncated incorrect DOUBLE value: '906-94-0318'", 'SELECT ssn + 0 FROM customers'],
  ])('withholds %j for %j', (message, sql) => {
    expect(safe(message, sql, 'mysql')).toBe(false);
  });
});
