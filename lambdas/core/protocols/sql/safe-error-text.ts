// Which database error texts may reach an agent on a connection with classified columns. Even
// "undefined object" conditions carry runtime values when a value becomes a name
// (`ssn::regoper` → `operator does not exist: 906-94-0318`, `current_setting(email)`,
// `('x.y.' || name)::regtype`), with or without quotes, and a value can itself hold quotes. So a
// text is shown only when it is one of a few fixed templates whose every slot is a name the
// statement itself wrote: a relation it reads, a function it calls, an identifier outside its
// comments and literals. Anything else is withheld.
import type { AnalysedSql } from '../../sql/sql-questions.js';

/** The identifiers of a SQL text, outside comments and string literals, as the server folds them. */
const identifiersOf = (sql: string, dialect: AnalysedSql['dialect']): Set<string> => {
  const stripped = sql
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(--|#)[^\n]*/g, ' ')
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g, ' ')
    .replace(/[eEnNbBxX]?'(?:[^'\\]|''|\\.)*'/g, ' ');
  const found = new Set<string>();
  const quote =
    dialect === 'mysql'
      ? /`((?:[^`]|``)+)`|"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)/g
      : /"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)/g;
  for (const m of stripped.matchAll(quote)) {
    if (dialect === 'mysql') {
      const name = m[1]?.replace(/``/g, '`') ?? m[2]?.replace(/""/g, '"') ?? m[3]!;
      found.add(name.toLowerCase());
    } else if (m[1] !== undefined) found.add(m[1].replace(/""/g, '"'));
    else found.add(m[2]!.toLowerCase());
  }
  return found;
};

/** Relation names a statement reads, as `name` and `schema.name`, with the server's folding. */
const relationNamesOf = (analysis: AnalysedSql): Set<string> => {
  const names = new Set<string>();
  for (const statement of analysis.statements) {
    for (const ref of statement.relations) {
      names.add(ref.name);
      if (ref.schema !== undefined) names.add(`${ref.schema}.${ref.name}`);
    }
  }
  return names;
};

const functionNamesOf = (analysis: AnalysedSql): Set<string> =>
  new Set(
    analysis.statements.flatMap((s) =>
      s.functions.flatMap((f) => [f.toLowerCase(), f.split('.').at(-1)!.toLowerCase()]),
    ),
  );

/** Type lists in "function f(integer, text) does not exist": type names only. */
const TYPE_LIST = /^[a-z0-9 _,[\]"]*$/;

/** MySQL's clause names in "Unknown column 'x' in '<clause>'". */
const MYSQL_CLAUSES = new Set([
  'field list',
  'where clause',
  'order clause',
  'on clause',
  'having clause',
  'group statement',
]);

/**
 * True when the server's first message line is a fixed template filled only with names the
 * statement wrote. DETAIL and HINT lines are never shown on classified connections.
 */
export const errorTextIsSafe = (serverMessage: string, sql: string, analysis: AnalysedSql): boolean => {
  const line = serverMessage.split('\n')[0]!.trim();
  const relations = relationNamesOf(analysis);
  const identifiers = identifiersOf(sql, analysis.dialect);
  if (analysis.dialect === 'postgres') {
    let m = /^relation "([^"]+)" does not exist$/.exec(line);
    if (m) return relations.has(m[1]!);
    m = /^column "([^"]+)" does not exist$/.exec(line);
    if (m) return identifiers.has(m[1]!);
    m = /^column ([A-Za-z_][A-Za-z0-9_$]*)\.([A-Za-z_][A-Za-z0-9_$]*) does not exist$/.exec(line);
    if (m) return identifiers.has(m[1]!) && identifiers.has(m[2]!);
    m = /^function ([A-Za-z_][A-Za-z0-9_$.]*)\(([^()]*)\) does not exist$/.exec(line);
    if (m) return functionNamesOf(analysis).has(m[1]!.toLowerCase()) && TYPE_LIST.test(m[2]!);
    return false;
  }
  let m = /^Table '([^'.]+)\.([^'.]+)' doesn't exist$/.exec(line);
  if (m) return relations.has(m[2]!) || relations.has(`${m[1]}.${m[2]}`);
  m = /^Unknown column '([^']+)' in '([^']+)'$/.exec(line);
  if (m)
    return m[1]!.split('.').every((part) => identifiers.has(part.toLowerCase())) && MYSQL_CLAUSES.has(m[2]!);
  m = /^FUNCTION ([A-Za-z0-9_$]+)\.([A-Za-z0-9_$]+) does not exist$/.exec(line);
  if (m) return functionNamesOf(analysis).has(m[2]!.toLowerCase());
  return false;
};
