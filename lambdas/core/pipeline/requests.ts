// The typed requests the pipeline admits, one kind per protocol, as the handlers parse them from
// their transport; and what a recording keeps of each (never a raw value).
import { createHash } from 'node:crypto';
import type { TollgateError } from '../errors.js';
import { maskFreeText } from '../masking/sql-text.js';
import { canonicalJson, type JsonValue } from '../recording/canonical-json.js';

export type SqlParam = string | number | boolean | null;

/** A SQL request: statements and bind parameters (`POST /v1/connections/{name}/sql`). */
export interface SqlRequest {
  readonly kind: 'sql';
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** Every request kind the pipeline serves (HTTP and Kubernetes join here). */
export type GatewayRequest = SqlRequest;

/** A transport's parse of a request: the typed request, or why it is not one. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: TollgateError };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * What the recording keeps of a request. Literals in SQL text can be personal data: the text is
 * kept with detected values redacted, beside the digest of the exact text (an auditor holding the
 * text can prove it); parameters are kept as their count and digest only.
 */
export const requestRecord = (request: GatewayRequest | undefined): { [k: string]: JsonValue } => {
  if (!request) return { kind: null, sql: null, sqlSha256: null, paramCount: 0, paramsSha256: null };
  return {
    kind: request.kind,
    // Before analysis the lexer's literals are unknown: until ADMIT amends it, the whole text.
    sql: maskFreeText(request.sql),
    sqlSha256: sha256(request.sql),
    paramCount: request.params.length,
    paramsSha256: request.params.length > 0 ? sha256(canonicalJson([...request.params])) : null,
  };
};
