// What the policy engine is asked about a SQL request: one authorization question per statement
// (action from the statement's kind, the statement's facts as Cedar's SqlContext).
import type { SqlConnection } from '../config/connection.js';
import { type AuthorizationQuestion, type Decision, decideAll } from '../decision/decision.js';
import type { Principal } from '../identity/principal.js';
import { sqlAction } from '../policy/sql-action.js';
import type { PolicyEngine } from '../ports.js';
import { noUses } from './column-uses.js';
import type { SqlFacts, StatementFacts } from './facts.js';

/** The SqlContext of the schema for one statement. */
export const sqlContext = (statement: StatementFacts, index: number, count: number, dialect: string) => ({
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

/** One question per statement, in order. */
export const sqlQuestions = (
  principal: Principal,
  connection: SqlConnection,
  facts: AnalysedSql,
): AuthorizationQuestion[] =>
  facts.statements.map((statement, index) => ({
    principal,
    action: sqlAction(statement),
    resource: connection,
    context: sqlContext(statement, index, facts.statements.length, facts.dialect),
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
