import { principalFromClaims } from '../../../../lambdas/core/identity/principal.js';

const mapping = { groupsClaim: 'groups' };

describe('principalFromClaims', () => {
  it('maps sub, issuer, token id and sorted unique groups', () => {
    const principal = principalFromClaims(
      { sub: 'alice', iss: 'https://idp', jti: 't-1', groups: ['b', 'a', 'b'] },
      mapping,
    );
    expect(principal).toEqual({
      sub: 'alice',
      issuer: 'https://idp',
      groups: ['a', 'b'],
      tokenId: 't-1',
      actsFor: undefined,
    });
  });

  it('makes the RFC 8693 actor the caller and the token’s subject the person it acts for', () => {
    const principal = principalFromClaims({ sub: 'bob', iss: 'i', act: { sub: 'agent-7' } }, mapping);
    expect(principal).toMatchObject({ sub: 'agent-7', actsFor: 'bob' });
  });

  it.each([{ sub: '' }, { client_id: 'agent-9' }, { sub: 7 }, 'agent-9', null, []])(
    'refuses a delegation whose actor it cannot name (act: %j): an agent must not pass for the person',
    (act) => {
      expect(principalFromClaims({ sub: 'bob', iss: 'i', act }, mapping)).toBeUndefined();
    },
  );

  it('reads groups from the configured claim, including Cognito’s', () => {
    const principal = principalFromClaims(
      { sub: 's', iss: 'i', 'cognito:groups': ['agents'] },
      { groupsClaim: 'cognito:groups' },
    );
    expect(principal?.groups).toEqual(['agents']);
  });

  it('accepts groups given as a space or comma separated string', () => {
    expect(principalFromClaims({ sub: 's', iss: 'i', groups: 'agents, admins' }, mapping)?.groups).toEqual([
      'admins',
      'agents',
    ]);
  });

  it('ignores non-string group entries', () => {
    expect(principalFromClaims({ sub: 's', iss: 'i', groups: ['a', 3, null, {}] }, mapping)?.groups).toEqual([
      'a',
    ]);
  });

  it.each([[{ iss: 'i' }], [{ sub: 's' }], [{ sub: '', iss: 'i' }], [{ sub: 42, iss: 'i' }]])(
    'refuses claims without a usable sub and iss: %j',
    (claims) => {
      expect(principalFromClaims(claims, mapping)).toBeUndefined();
    },
  );
});
