// The shape of a bundled list of a server's built-in names by volatility (postgres.ts, mysql.ts).

/**
 * Names by volatility, each a white-space separated list: `i` immutable, `s` stable (fixed within
 * a statement: time, session, catalogue), `v` volatile. Kept as text: a few thousand names stay a
 * few tens of kilobytes and load without a parse.
 */
export interface BuiltinVolatility {
  readonly i: string;
  readonly s: string;
  readonly v: string;
}
