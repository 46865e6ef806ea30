// Connections: the targets agents reach through Tollgate, and what is allowed on each.
import { z } from 'zod';
import { DEFAULT_DETECTORS } from '../masking/detectors.js';

/** The classes the built-in value detectors find. */
const DETECTOR_CLASSES: ReadonlySet<string> = new Set(DEFAULT_DETECTORS.map((d) => d.dataClass));

/** A connection's name: it appears in URLs (`/v1/connections/{name}/...`). */
export const connectionNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63 characters');

/**
 * Where the target's credentials live. The agent never sees them; only the executor adapter
 * resolves them.
 */
export const targetLocatorSchema = z.union([
  z
    .object({ url: z.string().regex(/^(postgres(ql)?|mysql|mariadb):\/\//, 'a postgres:// or mysql:// URL') })
    .strict(),
  z.object({ urlEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }).strict(),
  z.object({ secretArn: z.string().startsWith('arn:aws', 'a Secrets Manager ARN') }).strict(),
  // The local demo database; `role: writer` connects as its writer role (a `writeTarget`).
  z.object({ demo: z.literal(true), role: z.enum(['reader', 'writer']).optional() }).strict(),
]);

/** What every connection has, whatever its kind. */
const commonFields = {
  name: connectionNameSchema,
  description: z.string().max(500).optional(),
  environment: z.string().max(63).default('development'),
  /** Free labels policies can test (`resource.tags.contains("pii")`). */
  tags: z.array(z.string().min(1).max(63)).max(50).default([]),
  /** Groups whose members may use this connection. */
  allowGroups: z.array(z.string().min(1)).min(1),
  target: targetLocatorSchema,
  /**
   * Where approved writes get their credentials, when not from `target`: a role that may write,
   * readable only by the approval executor; the SQL route keeps `target`'s read-only role.
   */
  writeTarget: targetLocatorSchema.optional(),
};

/** What every SQL connection has (PostgreSQL, MySQL/MariaDB). */
const sqlFields = {
  /**
   * Data classes of the target's columns, keyed `table.column` or `schema.table.column`
   * (schema `public` when omitted), e.g. `customers.email: EMAIL_ADDRESS`.
   */
  classification: z
    .record(
      z
        .string()
        .regex(
          /^([a-z_][a-z0-9_$]*\.){1,2}[a-z_][a-z0-9_$]*$/,
          'table.column or schema.table.column, lower-case',
        ),
      z.string().regex(/^[A-Z][A-Z0-9_]{1,62}$/, 'an UPPER_SNAKE data class'),
    )
    .default({}),
  /** How each data class is masked; classes not listed use the defaults (docs/masking.md). */
  masking: z
    .record(
      z.string().regex(/^[A-Z][A-Z0-9_]{1,62}$/),
      z.union([
        z.object({ kind: z.literal('redact') }).strict(),
        z.object({ kind: z.literal('partial'), keep: z.number().int().min(1).max(8) }).strict(),
        z.object({ kind: z.literal('tokenize') }).strict(),
      ]),
    )
    .default({}),
  /**
   * Value detectors not run on this connection's results, by class (`IN_AADHAAR`: a 12-digit id
   * that passes Verhoeff one time in ten); every detector runs by default. Lineage masking of
   * classified columns is not affected, nor the redaction of recordings and logs.
   */
  detectorsOff: z
    .array(
      z.string().refine((c) => DETECTOR_CLASSES.has(c), {
        message: `a class a value detector finds: ${[...DETECTOR_CLASSES].join(', ')}`,
      }),
    )
    .max(32)
    .optional(),
  limits: z
    .object({
      /** Rows returned at most; the response says when it truncated. */
      rowLimit: z.number().int().min(1).max(100_000).default(1000),
      /** Statement timeout, enforced by the server and by the driver. */
      statementTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),
      /**
       * Bytes the target may send for one request. Beyond it the connection is dropped and the
       * request fails: a row cap alone does not bound a result (one value can be 1 GB), and
       * Lambda answers at most 6 MB.
       */
      maxResultBytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(4 * 1024 * 1024),
    })
    .strict()
    .default({ rowLimit: 1000, statementTimeoutMs: 10_000, maxResultBytes: 4 * 1024 * 1024 }),
};

const postgresConnectionSchema = z
  .object({
    kind: z.literal('postgres'),
    ...commonFields,
    ...sqlFields,
    /**
     * The schemas unqualified names resolve through, pinned (`SET LOCAL search_path`) in every
     * transaction the gateway opens, so analysis, masking and the server resolve a name alike.
     * Default: `$user, public` (PostgreSQL's own default), see `searchPathOf`.
     */
    searchPath: z
      .array(
        z
          .string()
          .min(1)
          .max(63)
          .refine((schema) => !/["\p{Cc}]/u.test(schema), 'a schema name (no quotes or control characters)'),
      )
      .min(1)
      .max(16)
      .optional(),
  })
  .strict();

const mysqlConnectionSchema = z
  .object({
    kind: z.literal('mysql'),
    ...commonFields,
    ...sqlFields,
  })
  .strict();

const KINDS = ['postgres', 'mysql'] as const;

/** For a connection whose kind is unknown: its other fields are still checked, so every problem is listed at once. */
const unknownKindSchema = z
  .object({
    kind: z.enum(KINDS, { error: `must be one of ${KINDS.join(', ')}` }),
    ...commonFields,
    ...sqlFields,
    searchPath: z.unknown().optional(),
  })
  .strict();

const schemaOfKind = (value: unknown) => {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'postgres'
    ? postgresConnectionSchema
    : kind === 'mysql'
      ? mysqlConnectionSchema
      : unknownKindSchema;
};

/**
 * A connection: a discriminated union on `kind`. The kind is the target's engine (its protocol
 * unit); for SQL kinds it also selects the dialect the analysis parses. Validation picks the
 * kind's schema and reports every problem of it (an unknown kind too, with the other fields).
 */
export const connectionSchema = z.unknown().transform((value, ctx): Connection => {
  const parsed = schemaOfKind(value).safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  }
  return parsed.data as Connection;
});

/** A connection as declared (defaults may be omitted). */
export type ConnectionDeclaration =
  | z.input<typeof postgresConnectionSchema>
  | z.input<typeof mysqlConnectionSchema>;
export type Connection = z.output<typeof postgresConnectionSchema> | z.output<typeof mysqlConnectionSchema>;
export type ConnectionKind = Connection['kind'];
export type PostgresConnection = Extract<Connection, { kind: 'postgres' }>;
export type MysqlConnection = Extract<Connection, { kind: 'mysql' }>;
/** Connections whose requests are SQL. */
export type SqlConnection = PostgresConnection | MysqlConnection;
/** The search_path pinned for a PostgreSQL connection. */
export const searchPathOf = (connection: PostgresConnection): readonly string[] =>
  connection.searchPath ?? DEFAULT_SEARCH_PATH;
export const DEFAULT_SEARCH_PATH: readonly string[] = ['$user', 'public'];

export type TargetLocator = z.infer<typeof targetLocatorSchema>;

export const connectionsSchema = z
  .array(connectionSchema)
  .refine((list) => new Set(list.map((c) => c.name)).size === list.length, 'connection names must be unique');

/** Connection as it may be shown to callers and recordings: no target locator. */
export const describeConnection = (c: Connection) => ({
  name: c.name,
  kind: c.kind,
  environment: c.environment,
});
