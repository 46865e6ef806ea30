// bin/app.ts's reading of CDK context into stack props.
import { App } from 'aws-cdk-lib';
import { PLACEHOLDER_IDENTITY, stackPropsFromContext } from '../../lib/app-context.js';
import { COGNITO, connection, OIDC } from './support/synth.js';

const read = (context: Record<string, unknown>) => stackPropsFromContext(new App({ context }).node);

describe('stackPropsFromContext', () => {
  test('uses the placeholder identity when no identity context is given', () => {
    // WHEN
    const { props, placeholderIdentity } = read({});

    // THEN
    expect(placeholderIdentity).toBe(true);
    expect(props).toMatchObject(PLACEHOLDER_IDENTITY);
    expect(props.cognitoUserPoolId).toBeUndefined();
  });

  test('passes OIDC settings through', () => {
    // WHEN
    const { props, placeholderIdentity } = read({ ...OIDC, groupsClaim: 'roles' });

    // THEN
    expect(placeholderIdentity).toBe(false);
    expect(props).toMatchObject({ ...OIDC, groupsClaim: 'roles' });
  });

  test('passes Cognito settings through without adding placeholder OIDC settings', () => {
    // WHEN
    const { props } = read({ ...COGNITO });

    // THEN
    expect(props).toMatchObject(COGNITO);
    expect([props.issuer, props.audience, props.jwksUri]).toEqual([undefined, undefined, undefined]);
  });

  test('parses connections given as a JSON string on the command line', () => {
    // GIVEN
    const connections = [connection('orders')];

    // WHEN
    const { props } = read({ ...OIDC, connections: JSON.stringify(connections) });

    // THEN
    expect(props.connections).toEqual(connections);
  });

  test('takes connections given as an array in cdk.json', () => {
    // GIVEN
    const connections = [connection('orders')];

    // WHEN
    const { props } = read({ ...OIDC, connections });

    // THEN
    expect(props.connections).toEqual(connections);
  });

  test('rejects connections that are not a JSON array', () => {
    // THEN
    expect(() => read({ ...OIDC, connections: '{"name":' })).toThrow(/not valid JSON/);
    expect(() => read({ ...OIDC, connections: '{}' })).toThrow(/must be a JSON array/);
  });

  test('reads numbers given as strings', () => {
    // WHEN
    const { props } = read({ ...OIDC, retentionDays: '2555', maxBodyBytes: '65536' });

    // THEN
    expect(props).toMatchObject({ recordingRetentionDays: 2555, maxBodyBytes: 65536 });
  });
});
