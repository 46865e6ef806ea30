// Connections: the targets agents reach through Tollgate, and what is allowed on each.
import { z } from 'zod';

const name = z
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
  z.object({ demo: z.literal(true) }).strict(),
]);

export const connectionSchema = z
  .object({
    name,
    /** The target's engine; it also selects the SQL dialect the analysis parses. */
    kind: z.enum(['postgres', 'mysql']),
    description: z.string().max(500).optional(),
    environment: z.string().max(63).default('development'),
    /** Free labels policies can test (`resource.tags.contains("pii")`). */
    tags: z.array(z.string().min(1).max(63)).max(50).default([]),
    /** Groups whose members may use this connection. */
    allowGroups: z.array(z.string().min(1)).min(1),
    target: targetLocatorSchema,
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
  })
  .strict();

export type Connection = z.infer<typeof connectionSchema>;
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
