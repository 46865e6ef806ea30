// The Lambda environment readers: a malformed setting stops the start with a message naming the
// variable, never a silently wrong value (a typo in TOLLGATE_MAX_BODY_BYTES used to turn the
// body limit off: Number('256k') is NaN, and `size > NaN` is always false).
import {
  choiceSetting,
  identityConfigFromEnv,
  integerSetting,
  maxBodyBytesFrom,
} from '../../../lambdas/wiring/env.js';

describe('integerSetting', () => {
  const read = (raw: string | undefined) => integerSetting({ N: raw }, 'N', { min: 1, max: 100, default: 7 });

  it('answers the default when the variable is unset or empty', () => {
    expect([read(undefined), read('')]).toEqual([7, 7]);
  });

  it('reads a whole number within bounds', () => {
    expect([read('1'), read('100'), read(' 42 ')]).toEqual([1, 100, 42]);
  });

  it.each(['256k', '1e3', '0x10', '2.5', '-1', 'NaN', 'Infinity', '12abc'])(
    'refuses %j, naming the variable',
    (raw) => {
      expect(() => read(raw)).toThrow(/^N must be a whole number, got /);
    },
  );

  it.each(['0', '101', '99999999999999999999'])('refuses %s outside the bounds', (raw) => {
    expect(() => read(raw)).toThrow(/^N must be between 1 and 100, got /);
  });
});

describe('maxBodyBytesFrom', () => {
  it('keeps the limit on when the setting is malformed: the start fails instead', () => {
    expect(() => maxBodyBytesFrom({ TOLLGATE_MAX_BODY_BYTES: '256k' })).toThrow('TOLLGATE_MAX_BODY_BYTES');
  });

  it('defaults to 256 KiB and caps at what API Gateway accepts', () => {
    expect(maxBodyBytesFrom({})).toBe(262_144);
    expect(() => maxBodyBytesFrom({ TOLLGATE_MAX_BODY_BYTES: '7000000' })).toThrow(
      'between 1024 and 6000000',
    );
  });
});

describe('choiceSetting and the Cognito token use', () => {
  it('refuses a value outside the choices, naming them', () => {
    expect(() => choiceSetting({ X: 'both' }, 'X', ['access', 'id'], 'access')).toThrow(
      'X must be one of access, id, got "both"',
    );
  });

  it('verifies Cognito access tokens unless ID tokens are configured', () => {
    const base = { TOLLGATE_COGNITO_USER_POOL_ID: 'eu-west-1_abc', TOLLGATE_COGNITO_CLIENT_ID: 'client' };
    expect(identityConfigFromEnv(base)).toMatchObject({ kind: 'cognito', tokenUse: 'access' });
    expect(identityConfigFromEnv({ ...base, TOLLGATE_COGNITO_TOKEN_USE: 'id' })).toMatchObject({
      tokenUse: 'id',
    });
    expect(() => identityConfigFromEnv({ ...base, TOLLGATE_COGNITO_TOKEN_USE: 'ID' })).toThrow(
      'TOLLGATE_COGNITO_TOKEN_USE',
    );
  });
});
