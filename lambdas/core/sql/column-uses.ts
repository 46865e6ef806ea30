// How a statement uses columns to decide which rows come out, in what order and how many: the
// channel through which a predicate on a masked column leaks its values without returning them
// (`WHERE ssn < $1` recovers an SSN by binary search in ~32 requests; `ORDER BY ssn` with
// `row_number()` leaks the order of all values at once). The analysis lists every such use; the
// pipeline maps the columns to their data classes and hands the classes this principal sees
// masked to Cedar (`context.maskedUses`), where the default pack refuses the oracle forms.

/**
 * - `equality`: the column itself compared with `=`, `<>`, `IS [NOT] DISTINCT FROM` or `IS NULL`
 *   against one value that reads no classified column: tests one guess per request.
 * - `membership`: compared against several values at once (`IN (...)` of two or more, `= ANY(array)`):
 *   a request tests many guesses, and halving the list is a binary search.
 * - `range`: `<`, `<=`, `>`, `>=`, `BETWEEN`, and any other comparison operator.
 * - `pattern`: `LIKE`, `ILIKE`, `SIMILAR TO`, regular expressions, full-text matches.
 * - `ordering`: `ORDER BY`, a window's or an aggregate's `ORDER BY`.
 * - `grouping`: `GROUP BY`, `DISTINCT [ON]`, a window's `PARTITION BY`.
 * - `join`: the column compared for equality with another classified column.
 * - `computed`: the column inside a function, operator or expression in a predicate
 *   (`substr(ssn, 1, 1) = '1'`, `ascii(ssn) > 50`, a CASE): any bit of it can be tested.
 * - `rows`: the column decides how many rows exist other than through a predicate: arguments of
 *   a set-returning function in FROM, LIMIT, OFFSET, TABLESAMPLE, FETCH.
 */
export type UseKind =
  | 'equality'
  | 'membership'
  | 'range'
  | 'pattern'
  | 'ordering'
  | 'grouping'
  | 'join'
  | 'computed'
  | 'rows';

export const USE_KINDS: readonly UseKind[] = [
  'equality',
  'membership',
  'range',
  'pattern',
  'ordering',
  'grouping',
  'join',
  'computed',
  'rows',
];

/**
 * A column as a name-level analysis (MySQL) finds it: the base table it belongs to when the
 * analysis can tell (`table`, with `schema` when written), else only its name: then every
 * classified column of that name in any relation the statement reads counts. `column` absent:
 * the analysis could not follow the value at all (a derived column of unknown origin), and every
 * class the statement reads counts.
 */
export interface NamedColumnUse {
  readonly kind: UseKind;
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
}

/** The data classes each kind of use touches (as Cedar sees them: `context.maskedUses`). */
export type ClassUses = Readonly<Record<UseKind, readonly string[]>>;

/** No use of any class. */
export const noUses = (): ClassUses =>
  Object.fromEntries(USE_KINDS.map((k) => [k, []])) as unknown as ClassUses;
