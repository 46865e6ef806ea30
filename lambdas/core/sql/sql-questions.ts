// What the policy engine is asked about a SQL request: one authorization question per statement
// (action from the statement's kind, the statement's facts as Cedar's SqlContext).
import type { SqlConnection } from '../config/connection.js';
import { type AuthorizationQuestion, type Decision, decideAll } from '../decision/decision.js';
import type { Principal } from '../identity/principal.js';
import { sqlAction } from '../policy/sql-action.js';
import type { PolicyEngine } from '../ports.js';
import { noUses } from './column-uses.js';
import type { Dialect, SqlFacts, StatementFacts } from './facts.js';
import { snapshotVolatility, unreviewedFunctions } from './function-allowlist.js';

/**
 * The functions of a statement a read may not call, judged by the bundled snapshot of the
 * server's built-ins alone: what the context holds until the unit's inspection asks the
 * connection's catalogue, and all an offline policy test has. Without a catalogue no user function
 * is visible, so no volatile function counts as reviewed, unless the caller states which names
 * are user code (`userDefined`: none, in an offline test with no target).
 */
export const snapshotFunctionFacts = (
  statement: StatementFacts,
  dialect: Dialect,
  userDefined?: ReadonlySet<string>,
) => {
  const names = [...statement.functions, ...statement.codeCandidates];
  if (names.length === 0) return { unreviewedFunctions: [] as string[], functionCatalogue: 'none' };
  const known = snapshotVolatility(dialect, names);
  const refused = unreviewedFunctions({
    dialect,
    calls: statement.functions,
    candidates: statement.codeCandidates,
    answer: { source: 'snapshot', volatility: new Map(names.map((n) => [n, known.get(n)])), userDefined },
  });
  return { unreviewedFunctions: refused.map((f) => f.name), functionCatalogue: 'snapshot' };
};

/** The SqlContext of the schema for one statement. */
export const sqlContext = (
  statement: StatementFacts,
  index: number,
  count: number,
  dialect: Dialect,
  userDefined?: ReadonlySet<string>,
) => ({
  dialect,
  statementKind: statement.kind,
  statementIndex: index + 1,
  statementCount: count,
  readOnly: statement.readOnly,
  nestedWrite: statement.nestedWrites.length > 0,
  dmlWithoutWhere: statement.dmlWithoutWhere,
  tables: [...statement.tables],
  tablesWritten: [...statement.tablesWritten],
  functions: [...statement.functions],
  dangerousCategories: [...new Set(statement.dangerousCalls.map((c) => c.category))],
  locking: statement.locking,
  explainAnalyze: statement.explainAnalyze,
  ...snapshotFunctionFacts(statement, dialect, userDefined),
  // Completed by the unit's inspection, which reads the catalogue (masked classes used to choose,
  // order or count rows); none until then.
  maskedUses: noUses(),
});

const nodeLabel = (nodeType: string) =>
  nodeType
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();

/**
 * How answers name a statement: `DropStmt` → `DROP`, `delete` → `DELETE`, and an EXPLAIN by what
 * it explains (`EXPLAIN ANALYZE DELETE`).
 */
export const statementLabel = (s: StatementFacts): string => {
  if (s.nodeType === 'SelectStmt' && s.kind === 'ddl') return 'SELECT INTO';
  if (s.nodeType !== 'ExplainStmt' || s.explainedNodeType === undefined) return nodeLabel(s.nodeType);
  const inner =
    s.explainedNodeType === 'SelectStmt' && s.nestedWrites.includes('ddl')
      ? 'SELECT INTO'
      : nodeLabel(s.explainedNodeType);
  return `${s.explainAnalyze ? 'EXPLAIN ANALYZE' : 'EXPLAIN'} ${inner}`;
};

export type AnalysedSql = Extract<SqlFacts, { parseOk: true }>;

/**
 * One question per statement, in order, as an offline policy test asks them: no target, so no
 * catalogue and no user functions; functions are judged by the bundled snapshot.
 */
export const sqlQuestions = (
  principal: Principal,
  connection: SqlConnection,
  facts: AnalysedSql,
): AuthorizationQuestion[] =>
  facts.statements.map((statement, index) => ({
    principal,
    action: sqlAction(statement),
    resource: connection,
    context: sqlContext(statement, index, facts.statements.length, facts.dialect, new Set()),
    label: statementLabel(statement),
  }));

/** The decision on a SQL request: its most restrictive statement's. */
export const decideSql = (
  engine: PolicyEngine,
  input: { principal: Principal; connection: SqlConnection; facts: AnalysedSql },
): Decision =>
  decideAll(
    sqlQuestions(input.principal, input.connection, input.facts),
    (q) => engine.decide(q),
    engine.version,
  );
