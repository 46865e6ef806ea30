// Which Cedar action a SQL statement is: the verb policies are written against.
import type { StatementFacts, StatementKind } from '../sql/facts.js';

/** The actions, from the least to the most restrictive. */
export const SQL_ACTIONS = ['sql:read', 'sql:write', 'sql:ddl', 'sql:privilege', 'sql:admin'] as const;
export type SqlAction = (typeof SQL_ACTIONS)[number];

/** The action of one kind of statement, alone. */
const actionOfKind = (kind: StatementKind): SqlAction => {
  switch (kind) {
    case 'select':
    case 'explain':
      return 'sql:read';
    case 'insert':
    case 'update':
    case 'delete':
    case 'merge':
      return 'sql:write';
    case 'ddl':
      return 'sql:ddl';
    case 'dcl':
      return 'sql:privilege';
    default:
      return 'sql:admin';
  }
};

/**
 * The action of one statement: the most restrictive (read < write < ddl < privilege < admin) of
 * its own kind's and of every write nested in it. A read with a DELETE in a CTE is a write;
 * `EXPLAIN ANALYZE CREATE TABLE … AS` and `EXPLAIN ANALYZE SELECT … INTO` are DDL and
 * `EXPLAIN ANALYZE EXECUTE` is an admin command: each executes what it explains.
 */
export const sqlAction = (statement: StatementFacts): SqlAction =>
  statement.nestedWrites.reduce<SqlAction>((worst, kind) => {
    const action = actionOfKind(kind);
    return SQL_ACTIONS.indexOf(action) > SQL_ACTIONS.indexOf(worst) ? action : worst;
  }, actionOfKind(statement.kind));
