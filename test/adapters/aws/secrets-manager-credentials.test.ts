// SecretsManagerCredentials: RDS JSON secrets become driver settings, cached for a while, and a
// malformed secret is refused without its text reaching the error.
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerCredentials } from '../../../lambdas/adapters/aws/secrets-manager-credentials.js';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tollgate/orders-AbCdEf';
const PASSWORD = 'correct-horse-battery-staple';
const RDS_SECRET = {
  engine: 'postgres',
  host: 'orders.cluster-abc.eu-west-1.rds.amazonaws.com',
  port: 5432,
  username: 'tollgate_reader',
  password: PASSWORD,
  dbname: 'orders',
};

describe('SecretsManagerCredentials', () => {
  const secretsMock = mockClient(SecretsManagerClient);
  const client = new SecretsManagerClient({ region: 'eu-west-1' });

  afterEach(() => {
    secretsMock.reset();
  });

  afterAll(() => {
    secretsMock.restore();
  });

  const withSecret = (secretString: string | undefined) =>
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: secretString });

  const rejectionOf = async (promise: Promise<unknown>): Promise<Error> => {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a rejection');
  };

  it('maps an RDS JSON secret to host, port, user, password and database', async () => {
    // Prepare
    withSecret(JSON.stringify(RDS_SECRET));

    // Act
    const credentials = await new SecretsManagerCredentials(client).get(SECRET_ARN);

    // Assess
    expect(credentials).toEqual({
      host: RDS_SECRET.host,
      port: 5432,
      user: 'tollgate_reader',
      password: PASSWORD,
      database: 'orders',
    });
  });

  it('asks Secrets Manager for the given secret', async () => {
    // Prepare
    withSecret(JSON.stringify(RDS_SECRET));

    // Act
    await new SecretsManagerCredentials(client).get(SECRET_ARN);

    // Assess
    expect(secretsMock.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: SECRET_ARN,
    });
  });

  it('reads a port given as a string', async () => {
    // Prepare
    withSecret(JSON.stringify({ ...RDS_SECRET, port: '6432' }));

    // Act
    const credentials = await new SecretsManagerCredentials(client).get(SECRET_ARN);

    // Assess
    expect(credentials.port).toBe(6432);
  });

  it('defaults the port to 5432', async () => {
    // Prepare
    const { port: _port, ...withoutPort } = RDS_SECRET;
    withSecret(JSON.stringify(withoutPort));

    // Act
    const credentials = await new SecretsManagerCredentials(client).get(SECRET_ARN);

    // Assess
    expect(credentials.port).toBe(5432);
  });

  it('leaves the database undefined when the secret names none', async () => {
    // Prepare
    const { dbname: _dbname, ...withoutDatabase } = RDS_SECRET;
    withSecret(JSON.stringify(withoutDatabase));

    // Act
    const credentials = await new SecretsManagerCredentials(client).get(SECRET_ARN);

    // Assess
    expect(credentials.database).toBeUndefined();
  });

  it('fetches the secret once for two gets within the TTL', async () => {
    // Prepare
    withSecret(JSON.stringify(RDS_SECRET));
    const credentials = new SecretsManagerCredentials(client, 60_000);

    // Act
    const first = await credentials.get(SECRET_ARN);
    const second = await credentials.get(SECRET_ARN);

    // Assess
    expect(second).toEqual(first);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fetches the secret again once the TTL has passed, picking up a rotation', async () => {
    // Prepare: a zero TTL expires the entry at once.
    secretsMock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify(RDS_SECRET) })
      .resolves({ SecretString: JSON.stringify({ ...RDS_SECRET, password: 'rotated' }) });
    const credentials = new SecretsManagerCredentials(client, 0);
    await credentials.get(SECRET_ARN);

    // Act
    const rotated = await credentials.get(SECRET_ARN);

    // Assess
    expect(rotated.password).toBe('rotated');
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('caches each secret separately', async () => {
    // Prepare
    withSecret(JSON.stringify(RDS_SECRET));
    const credentials = new SecretsManagerCredentials(client);

    // Act
    await credentials.get(SECRET_ARN);
    await credentials.get(`${SECRET_ARN}-other`);

    // Assess
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('refuses a non-JSON secret without quoting it in the error', async () => {
    // Prepare
    withSecret(`postgres://tollgate_reader:${PASSWORD}@orders:5432/orders`);

    // Act
    const error = await rejectionOf(new SecretsManagerCredentials(client).get(SECRET_ARN));

    // Assess
    expect(error.message).toMatch(/RDS JSON format/);
    expect(error.message).not.toContain(PASSWORD);
    expect(
      JSON.stringify({ message: error.message, stack: error.stack, cause: String(error.cause) }),
    ).not.toContain(PASSWORD);
  });

  it('refuses a JSON secret without the password reaching the error', async () => {
    // Prepare: valid JSON, wrong shape (host missing), password present.
    const { host: _host, ...withoutHost } = RDS_SECRET;
    withSecret(JSON.stringify(withoutHost));

    // Act
    const error = await rejectionOf(new SecretsManagerCredentials(client).get(SECRET_ARN));

    // Assess
    expect(error.message).toMatch(/RDS JSON format/);
    expect(
      JSON.stringify({ message: error.message, stack: error.stack, cause: String(error.cause) }),
    ).not.toContain(PASSWORD);
  });

  it.each([
    ['host is missing', { host: undefined }],
    ['username is missing', { username: undefined }],
    ['password is missing', { password: undefined }],
    ['host is empty', { host: '' }],
    ['port is not a number', { port: 'five' }],
  ])('refuses a secret whose %s', async (_name, override) => {
    // Prepare
    withSecret(JSON.stringify({ ...RDS_SECRET, ...override }));

    // Act
    const getting = new SecretsManagerCredentials(client).get(SECRET_ARN);

    // Assess
    await expect(getting).rejects.toThrow(/RDS JSON format/);
  });

  it('refuses a secret stored as binary, without SecretString', async () => {
    // Prepare
    withSecret(undefined);

    // Act
    const getting = new SecretsManagerCredentials(client).get(SECRET_ARN);

    // Assess
    await expect(getting).rejects.toThrow(/RDS JSON format/);
  });

  it('does not cache a refused secret', async () => {
    // Prepare
    secretsMock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'not json' })
      .resolves({ SecretString: JSON.stringify(RDS_SECRET) });
    const credentials = new SecretsManagerCredentials(client);
    await expect(credentials.get(SECRET_ARN)).rejects.toThrow(/RDS JSON format/);

    // Act
    const fixed = await credentials.get(SECRET_ARN);

    // Assess
    expect(fixed.user).toBe('tollgate_reader');
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('propagates a Secrets Manager failure', async () => {
    // Prepare
    const notFound = new ResourceNotFoundException({
      message: "Secrets Manager can't find the specified secret.",
      $metadata: {},
    });
    secretsMock.on(GetSecretValueCommand).rejects(notFound);

    // Act
    const getting = new SecretsManagerCredentials(client).get(SECRET_ARN);

    // Assess
    await expect(getting).rejects.toBe(notFound);
  });
});
