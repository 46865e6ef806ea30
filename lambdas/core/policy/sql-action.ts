// Which Cedar action a SQL statement is: the verb policies are written against.
import type { StatementFacts } from '../sql/facts.js';

export const SQL_ACTIONS = ['sql:read', 'sql:write', 'sql:ddl', 'sql:privilege', 'sql:admin'] as const;
export type SqlAction = (typeof SQL_ACTIONS)[number];

/** The action of one statement. Writes hidden in CTEs or executed by EXPLAIN ANALYZE are writes. */
export const sqlAction = (statement: StatementFacts): SqlAction => {
  switch (statement.kind) {
    case 'select':
    case 'explain':
      return statement.nestedWrites.length > 0 ? 'sql:write' : 'sql:read';
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
