// The SQL route's body, parsed from its transport (JSON) into the pipeline's typed SqlRequest.
import { z } from 'zod';
import { MAX_JUSTIFICATION_LENGTH } from '../../core/approval/hold.js';
import { BadRequestError } from '../../core/errors.js';
import type { Parsed, SqlRequest } from '../../core/pipeline/requests.js';

export const MAX_SQL_LENGTH = 100_000;
export const MAX_PARAMS = 1000;

const bodySchema = z
  .object({
    sql: z
      .string()
      .min(1, 'sql must not be empty')
      .max(MAX_SQL_LENGTH, `sql is longer than ${MAX_SQL_LENGTH} characters`),
    params: z
      .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .max(MAX_PARAMS, `at most ${MAX_PARAMS} params`)
      .optional(),
    /** Why the agent asks, for reviewers of a request held for approval. */
    justification: z
      .string()
      .max(MAX_JUSTIFICATION_LENGTH, `justification is longer than ${MAX_JUSTIFICATION_LENGTH} characters`)
      .optional(),
  })
  .strict();

/** The justification of a SQL body, when it has one (read apart: it is not part of the request). */
export const justificationOf = (raw: string): string | undefined => {
  try {
    const value = (JSON.parse(raw) as { justification?: unknown } | null)?.justification;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
};

/** `{"sql": "...", "params": [...]}` → SqlRequest, or the 400 that says what is wrong. */
export const parseSqlBody = (raw: string): Parsed<SqlRequest> => {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return {
      ok: false,
      error: new BadRequestError('The request body is not valid JSON.', 'invalid_json', { cause: error }),
    };
  }
  const parsed = bodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { ok: false, error: new BadRequestError(`Invalid request body: ${path}${issue.message}.`) };
  }
  return { ok: true, value: { kind: 'sql', sql: parsed.data.sql, params: parsed.data.params ?? [] } };
};
