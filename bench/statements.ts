// The SQL texts the bench sends and analyses.
import { BENCH_TABLE } from './postgres-fixture.js';

const COLUMNS = 'id, sku, customer, quantity, price, ordered_at, shipped, meta';

/** One row, all 8 columns, by primary key. */
export const ONE_ROW_SQL = `SELECT ${COLUMNS} FROM ${BENCH_TABLE} WHERE id = 42`;

/** Every row of the bench table (1,000 × 8 columns). */
export const THOUSAND_ROWS_SQL = `SELECT ${COLUMNS} FROM ${BENCH_TABLE} ORDER BY id`;

/** Representative statements for the analysis bench, by id. */
export const ANALYSIS_STATEMENTS: ReadonlyArray<{ readonly id: string; readonly sql: string }> = [
  { id: '1-row select', sql: ONE_ROW_SQL },
  {
    id: '200-char join',
    sql:
      'SELECT c.id, c.name, o.total, o.created_at FROM customers c JOIN orders o ON o.customer_id = c.id ' +
      "WHERE o.status = 'paid' AND o.created_at > now() - interval '30 days' ORDER BY o.total DESC LIMIT 50",
  },
  {
    id: 'CTE + window',
    sql:
      'WITH recent AS (SELECT customer_id, sum(total) AS spent FROM orders ' +
      "WHERE created_at > now() - interval '90 days' GROUP BY customer_id), " +
      'ranked AS (SELECT customer_id, spent, rank() OVER (ORDER BY spent DESC) AS r FROM recent) ' +
      'SELECT c.name, r.spent FROM ranked r JOIN customers c ON c.id = r.customer_id WHERE r.r <= 10',
  },
  // The other decision paths: a reviewed write and a forbidden statement.
  { id: 'UPDATE … WHERE', sql: "UPDATE orders SET status = 'shipped' WHERE id = 42" },
  { id: 'piggy-backed DROP', sql: 'SELECT 1; DROP TABLE customers' },
];
