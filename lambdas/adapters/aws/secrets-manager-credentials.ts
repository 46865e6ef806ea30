// Resolves a connection's Secrets Manager secret (RDS JSON format) to driver settings, cached
// for a few minutes so rotation is picked up without a fetch per request.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';

const rdsSecretSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().positive().default(5432),
  username: z.string().min(1),
  password: z.string(),
  dbname: z.string().min(1).optional(),
  database: z.string().min(1).optional(),
});

export interface DatabaseCredentials {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string | undefined;
}

export class SecretsManagerCredentials {
  private readonly cache = new Map<string, { value: DatabaseCredentials; expires: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  async get(secretArn: string): Promise<DatabaseCredentials> {
    const hit = this.cache.get(secretArn);
    if (hit && hit.expires > Date.now()) return hit.value;
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    let json: unknown;
    try {
      json = JSON.parse(SecretString ?? 'null');
    } catch {
      // JSON.parse messages quote the text: never let a secret reach an error or a log.
      json = undefined;
    }
    const parsed = rdsSecretSchema.safeParse(json);
    if (!parsed.success)
      throw new Error('the secret is not in the RDS JSON format (host, port, username, password)');
    const s = parsed.data;
    const value = {
      host: s.host,
      port: s.port,
      user: s.username,
      password: s.password,
      database: s.dbname ?? s.database,
    };
    this.cache.set(secretArn, { value, expires: Date.now() + this.ttlMs });
    return value;
  }
}
