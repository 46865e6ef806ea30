// The principal: who is asking, established from a verified token's claims.

/** A verified caller. Everything the gateway records is tied to one. */
export interface Principal {
  /** Who is calling: the token's `sub`, or with delegation (RFC 8693) the actor's `act.sub`. */
  readonly sub: string;
  /** The token's `iss`. `sub` is unique only within an issuer. */
  readonly issuer: string;
  /** Group names from the configured groups claim, sorted and de-duplicated. */
  readonly groups: readonly string[];
  /** The token's `jti`, when it has one. */
  readonly tokenId: string | undefined;
  /** With delegation, the person the caller (an agent) acts for: the token's `sub`. */
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
  const subject = asString(claims.sub);
  const issuer = asString(claims.iss);
  if (subject === undefined || issuer === undefined) return undefined;
  // RFC 8693 delegation: `sub` is the person represented, `act.sub` the party acting for them.
  // The caller is the actor (the agent); the person is who it acts for.
  const act = claims.act;
  const actor =
    act !== null && typeof act === 'object' ? asString((act as Record<string, unknown>).sub) : undefined;
  // A token that says someone acts (any `act`) but not who: taking it as the person's own would
  // let an agent pass for a person (and approve). Fail closed: no principal.
  if (act !== undefined && actor === undefined) return undefined;
  return {
    sub: actor ?? subject,
    issuer,
    groups: readGroups(claims[mapping.groupsClaim]),
    tokenId: asString(claims.jti),
    actsFor: actor === undefined ? undefined : subject,
  };
};
