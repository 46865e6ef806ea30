// The principal: who is asking, established from a verified token's claims.

/** A verified caller. Everything the gateway records is tied to one. */
export interface Principal {
  /** The token's `sub`. */
  readonly sub: string;
  /** The token's `iss`. `sub` is unique only within an issuer. */
  readonly issuer: string;
  /** Group names from the configured groups claim, sorted and de-duplicated. */
  readonly groups: readonly string[];
  /** The token's `jti`, when it has one. */
  readonly tokenId: string | undefined;
  /** The human an agent acts for (RFC 8693 `act.sub`, or a configured claim). */
  readonly actsFor: string | undefined;
}

export type Claims = Readonly<Record<string, unknown>>;

export interface ClaimMapping {
  /** Claim holding the groups: `cognito:groups`, `groups`, or any configured name. */
  readonly groupsClaim: string;
}

const asString = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** Reads groups whether the issuer sends an array or a space/comma separated string. */
const readGroups = (value: unknown): string[] => {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  const groups = raw.filter((g): g is string => typeof g === 'string' && g.length > 0);
  return [...new Set(groups)].sort();
};

/**
 * Builds the principal from claims that a verifier has already checked (signature, iss, aud, exp).
 * Returns undefined when the claims lack what a principal needs.
 */
export const principalFromClaims = (claims: Claims, mapping: ClaimMapping): Principal | undefined => {
  const sub = asString(claims.sub);
  const issuer = asString(claims.iss);
  if (sub === undefined || issuer === undefined) return undefined;
  const act = claims.act;
  const actsFor =
    act !== null && typeof act === 'object' ? asString((act as Record<string, unknown>).sub) : undefined;
  return {
    sub,
    issuer,
    groups: readGroups(claims[mapping.groupsClaim]),
    tokenId: asString(claims.jti),
    actsFor,
  };
};
