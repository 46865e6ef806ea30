// The protocol unit of SQL connections (PostgreSQL, MySQL/MariaDB): analysis by the dialect's own
// grammar, one policy question per statement, execution on the SqlExecutor, masking by resolved
// lineage and detectors. One unit per connection kind, built with that kind's analyzer and executor.

import type { SqlConnection } from '../../config/connection.js';
import { BadRequestError, SqlUnparseableError, TargetRejectedError, TollgateError } from '../../errors.js';
import { maskOutput } from '../../masking/mask-output.js';
import {
  classificationRefs,
  readsSensitive,
  resolveClassification,
} from '../../masking/resolved-classification.js';
import { maskFreeText, maskSqlLiterals } from '../../masking/sql-text.js';
import { statementUses } from '../../masking/statement-uses.js';
import type { SqlRequest } from '../../pipeline/requests.js';
import { sqlAction } from '../../policy/sql-action.js';
import type { ResultColumn, SqlAnalyzer } from '../../ports.js';
import type { JsonValue } from '../../recording/canonical-json.js';
import { type ClassUses, noUses } from '../../sql/column-uses.js';
import type { StatementFacts } from '../../sql/facts.js';
import { unreviewedFunctions } from '../../sql/function-allowlist.js';
import type { RelationResolver } from '../../sql/relation-resolver.js';
import type { SqlExecutor } from '../../sql/sql-executor.js';
import { type AnalysedSql, sqlContext, statementLabel } from '../../sql/sql-questions.js';
import type { ProtocolUnit } from '../protocol-unit.js';
import { errorTextIsSafe } from './safe-error-text.js';

export interface SqlUnitDeps {
  readonly kind: SqlConnection['kind'];
  readonly analyzer: SqlAnalyzer;
  readonly executor: SqlExecutor;
  readonly resolver: RelationResolver;
  /** The masking token key (Secrets Manager on AWS, generated locally), fetched on first use. */
  readonly tokenKey: () => Promise<Uint8Array | string>;
}

/** The rows of a SQL request, masked. */
export interface SqlOutput {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly unknown[])[];
  readonly rowCount: number;
  readonly truncated: boolean;
  /** What was masked: columns by lineage (or whole when lineage was unknown), detector findings per class. */
  readonly masking: {
    readonly maskedColumns: ReadonlyArray<{ column: string; dataClasses: string[]; reason: string }>;
    readonly detected: Readonly<Record<string, number>>;
    /** Classes this principal may see raw (Cedar data:unmask) that the result held. */
    readonly unmasked: readonly string[];
  };
}

/** Server text shown to the caller: one line, bounded. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 500);

/**
 * What the caller hears of a statement the server refused. The server's own text helps an agent
 * fix its statement, but it can carry a value (`invalid input syntax for type integer:
 * "906-94-0318"`; `ssn::regoper` → `operator does not exist: 906-94-0318`). On a connection with
 * classified columns the text is shown only when its condition cannot carry data and it is one of
 * the fixed templates whose slots are names the statement wrote (`errorTextIsSafe`); otherwise the
 * caller gets the condition and SQLSTATE. Recordings and logs never get the server text.
 */
export const rejectionForCaller = (
  error: TargetRejectedError,
  connection: SqlConnection,
  request: SqlRequest,
  analysis: AnalysedSql,
): TollgateError => {
  const { rejection } = error;
  const classified = Object.keys(connection.classification).length > 0;
  const showText =
    !classified ||
    (!rejection.messageMayHoldData && errorTextIsSafe(rejection.serverMessage, request.sql, analysis));
  const message = showText
    ? `The target rejected the statement: ${oneLine(classified ? rejection.serverMessage.split('\n')[0]! : rejection.serverMessage)} (${rejection.condition}, SQLSTATE ${rejection.sqlState ?? 'unknown'}).`
    : `The target rejected the statement: ${rejection.condition} (SQLSTATE ${rejection.sqlState ?? 'unknown'}); its message is withheld: it can quote data, and ${connection.name} has classified columns.`;
  return new TollgateError(error.code, message, {
    cause: error,
    details: { sqlState: rejection.sqlState, condition: rejection.condition },
    auditMessage: error.message,
  });
};

/** Relations listed by discovery at most. */
const DISCOVERY_LIMIT = 500;

const statementRecord = (s: AnalysedSql['statements'][number]): JsonValue => ({
  kind: s.kind,
  nodeType: s.nodeType,
  tables: [...s.tables],
  functions: [...s.functions],
});

export const createSqlUnit = (
  deps: SqlUnitDeps,
): ProtocolUnit<SqlConnection, SqlRequest, AnalysedSql, import('../../ports.js').ResultSet, SqlOutput> => {
  /**
   * The functions a statement calls that a read may not call unless policy allows it
   * (function-allowlist.ts), by the connection's catalogue or, when it cannot be read, the bundled
   * snapshot of the server's built-ins; `functionCatalogue` says which answered.
   */
  const functionFacts = async (connection: SqlConnection, statement: StatementFacts) => {
    const names = [...statement.functions, ...statement.codeCandidates];
    if (names.length === 0) return { unreviewedFunctions: [], functionCatalogue: 'none' };
    const answer = await deps.resolver.functionVolatility(connection, deps.executor, names);
    const refused = unreviewedFunctions({
      dialect: connection.kind === 'mysql' ? 'mysql' : 'postgres',
      calls: statement.functions,
      candidates: statement.codeCandidates,
      answer,
    });
    return { unreviewedFunctions: refused.map((f) => f.name), functionCatalogue: answer.source };
  };

  /**
   * A bounded write must change only what the target counts: its own tables (PostgreSQL's
   * counters see no foreign table; a view's writes land in its base tables, which they see).
   */
  const countable = async (connection: SqlConnection, analysis: AnalysedSql) => {
    const refs = analysis.statements.flatMap((s) => (s.readOnly ? [] : s.relations));
    const resolved = await deps.resolver.resolve(connection, deps.executor, refs);
    for (const ref of refs) {
      const relation = resolved.get(ref);
      if (relation?.kind === 'other') {
        throw new TollgateError(
          'target_error',
          `The write changes ${relation.schema}.${relation.name}, whose changed rows the target does not count (a foreign table), so the approved bound cannot be held; nothing ran.`,
        );
      }
    }
  };

  return {
    kinds: [deps.kind],
    accepts: (request): request is SqlRequest => request.kind === 'sql',

    analyse(_connection, request) {
      const facts = deps.analyzer.analyze(request.sql);
      if (!facts.parseOk) {
        // The parser quotes the text it stopped at, literals included: what it says is masked like
        // any free text before it reaches the caller, a recording or a log.
        const error = new SqlUnparseableError(
          `The SQL does not parse as ${facts.dialect}: ${maskFreeText(facts.error)}.`,
          {
            position: facts.position ?? null,
          },
        );
        return { ok: false, error, rule: 'sql.unparseable' };
      }
      if (facts.statements.length === 0)
        return { ok: false, error: new BadRequestError('The SQL holds no statement.') };
      if (request.params.length > 0 && facts.statements.length > 1) {
        return { ok: false, error: new BadRequestError('params can only be used with a single statement.') };
      }
      if (facts.placeholders !== undefined && facts.placeholders !== request.params.length) {
        return {
          ok: false,
          error: new BadRequestError(
            `The statement has ${facts.placeholders} placeholder(s) but ${request.params.length} param(s) were sent.`,
          ),
        };
      }
      return {
        ok: true,
        analysis: facts,
        questions: facts.statements.map((statement, index) => ({
          action: sqlAction(statement),
          resource: _connection,
          context: sqlContext(statement, index, facts.statements.length, facts.dialect),
          label: statementLabel(statement),
        })),
        summary: { statements: facts.statements.map(statementRecord) },
        readOnly: facts.statements.every((s) => s.readOnly),
        display: maskSqlLiterals(request.sql, facts.literals ?? []),
      };
    },

    async inspect({ connection, principal, request, analysis, engine }, questions) {
      const classified = Object.keys(connection.classification).length > 0;
      const [functions, uses] = await Promise.all([
        Promise.all(analysis.statements.map((statement) => functionFacts(connection, statement))),
        classified
          ? Promise.all(
              analysis.statements.map((statement) =>
                statementUses({ connection, executor: deps.executor, resolver: deps.resolver, statement }),
              ),
            )
          : [],
      ]);
      const used = [...new Set(uses.flatMap((u) => Object.values(u).flat()))];
      const raw = used.length > 0 ? engine.unmaskable(principal, connection, used) : new Set<string>();
      // MySQL compares a string column with a number by its leading digits (`ssn = ?` bound to
      // 168 is true for '168-20-3328'): with a numeric parameter, no equality is one guess.
      const numericParam =
        connection.kind === 'mysql' &&
        request.params.some((p) => typeof p === 'number' || typeof p === 'boolean');
      const judged = (u: ClassUses): ClassUses =>
        numericParam ? { ...u, equality: [], computed: [...new Set([...u.computed, ...u.equality])] } : u;
      return questions.map((question, i) => ({
        ...question,
        context: {
          ...question.context,
          ...functions[i],
          // Only the classes this principal sees masked: a raw class is no oracle.
          maskedUses: Object.fromEntries(
            Object.entries(judged(uses[i] ?? noUses())).map(([kind, classes]) => [
              kind,
              classes.filter((c) => !raw.has(c)),
            ]),
          ),
        },
      }));
    },

    async execute({ connection, request, analysis }, mode, bounds) {
      if (bounds) await countable(connection, analysis);
      try {
        return await deps.executor.run(connection, {
          mode,
          statements: analysis.statements.map((s) => s.text),
          params: request.params,
          rowLimit: connection.limits.rowLimit,
          timeoutMs: connection.limits.statementTimeoutMs,
          maxResultBytes: connection.limits.maxResultBytes,
          ...(bounds
            ? {
                maxAffectedRows: bounds.maxAffectedRows,
                writes: analysis.statements.map((s) => !s.readOnly),
                tablesWritten: [...new Set(analysis.statements.flatMap((s) => s.tablesWritten))],
              }
            : {}),
        });
      } catch (error) {
        if (error instanceof TargetRejectedError)
          throw rejectionForCaller(error, connection, request, analysis);
        if (error instanceof TollgateError) throw error;
        throw new TollgateError('target_error', 'The target failed.', { cause: error });
      }
    },

    async preview({ connection, request, analysis }) {
      const writes = analysis.statements.filter((s) => !s.readOnly);
      const tablesWritten = [...new Set(writes.flatMap((s) => s.tablesWritten))];
      // The planner evaluates calls it can fold, with the write credential: code the target's
      // users wrote (a function, operator or type outside the catalogs) could act before anyone
      // decided. Such a request gets no estimate.
      const names = [...new Set(analysis.statements.flatMap((s) => [...s.functions, ...s.codeCandidates]))];
      if (names.length > 0 && (await deps.executor.userFunctions(connection, names)).size > 0)
        return { estimatedRows: null, tablesWritten };
      const estimates = await deps.executor.estimateWrites(connection, {
        statements: writes.map((s) => s.text),
        params: request.params,
      });
      const known = estimates.every((e) => e !== null);
      return {
        estimatedRows: known ? estimates.reduce<number>((sum, e) => sum + (e ?? 0), 0) : null,
        tablesWritten,
      };
    },

    async mask({ connection, principal, analysis, engine }, result) {
      const masked = await maskOutput({
        connection,
        executor: deps.executor,
        resolver: deps.resolver,
        engine,
        principal,
        statement: analysis.statements.at(-1)!,
        result,
        tokenKey: deps.tokenKey,
      });
      const masking = {
        maskedColumns: masked.report.maskedColumns.map((m) => ({
          column: m.column,
          dataClasses: [...m.dataClasses],
          reason: m.reason,
        })),
        detected: { ...masked.report.detected },
        unmasked: [...masked.report.unmasked],
      };
      const output: SqlOutput = {
        columns: masked.result.columns,
        rows: masked.result.rows,
        rowCount: masked.result.rowCount,
        truncated: masked.result.truncated,
        masking,
      };
      return {
        output,
        // Counts and column names only: recordings never hold result values.
        summary: {
          rowCount: result.rowCount,
          truncated: result.truncated,
          ...(result.affectedRows === undefined ? {} : { affectedRows: result.affectedRows }),
          columns: result.columns.map((c) => c.name),
          masking,
        },
      };
    },

    async describe({ principal, connection, engine }) {
      const relations = await deps.executor.listRelations(connection, DISCOVERY_LIMIT);
      const resolution = await deps.resolver.resolve(
        connection,
        deps.executor,
        classificationRefs(connection),
      );
      const classification = resolveClassification(connection, resolution, relations);
      const classes = new Set(Object.values(connection.classification));
      const raw = engine.unmaskable(principal, connection, [...classes]);
      return {
        relations: relations.map((r) => {
          // A view over classified data is masked whole when lineage cannot see through it.
          const opaque = r.kind !== 'table' && readsSensitive(r, classification);
          return {
            schema: r.schema,
            name: r.name,
            kind: r.kind,
            columns: r.columns.map((column) => {
              const dataClass = classification.classOf(r.schema, r.name, column) ?? null;
              return {
                name: column,
                dataClass,
                masked: opaque || (dataClass !== null && !raw.has(dataClass)),
              };
            }),
          };
        }),
        truncated: relations.length >= DISCOVERY_LIMIT,
      };
    },
  };
};
