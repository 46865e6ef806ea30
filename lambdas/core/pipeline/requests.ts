// The typed requests the pipeline admits, one kind per protocol, as the handlers parse them from
// their transport; and what a recording keeps of each (never a raw value).
import { createHmac } from 'node:crypto';
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

/**
 * What the recording keeps of a request. Literals in SQL text can be personal data: the text is
 * kept with detected values redacted, parameters as their count only. The digests of the exact
 * text and parameters are added by `requestDigests` once the key is at hand.
 */
export const requestRecord = (request: GatewayRequest | undefined): { [k: string]: JsonValue } => {
  if (!request) return { kind: null, sql: null, sqlHmac: null, paramCount: 0, paramsHmac: null };
  return {
    kind: request.kind,
    // Before analysis the lexer's literals are unknown: until ADMIT amends it, the whole text.
    sql: maskFreeText(request.sql),
    sqlHmac: null,
    paramCount: request.params.length,
    paramsHmac: null,
  };
};

const DIGEST_CONTEXT = 'tollgate request digest\n';

/**
 * HMAC-SHA256 digests of the exact SQL text and parameters, keyed with the gateway's masking key:
 * a plain hash of `… WHERE ssn = '906-94-0318'` beside its masked text would give the value back
 * to anyone who tries the few million SSNs; keyed, only the operators can check that a text was
 * the one sent.
 */
export const requestDigests = (
  request: GatewayRequest,
  key: Uint8Array | string,
): { [k: string]: JsonValue } => {
  const hmac = (kind: string, text: string) =>
    createHmac('sha256', key).update(`${DIGEST_CONTEXT}${kind}\n${text}`, 'utf8').digest('hex');
  return {
    sqlHmac: hmac('sql', request.sql),
    paramsHmac: request.params.length > 0 ? hmac('params', canonicalJson([...request.params])) : null,
  };
};
