// What the `tollgate policy …` and `tollgate connection …` commands share: where the versioned
// store is, and who pushes. The store is the session table: on AWS when TOLLGATE_TABLE is set
// (default credential chain), else the local data dir — through the running local gateway's
// DynamoDB stand-in when it has published one in <dataDir>/endpoints.json (it holds the database
// lock), or a dynalite of our own.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3RecordingArchive } from '../lambdas/adapters/aws/s3-recording-archive.js';
import {
  ENDPOINTS_FILE,
  ensureBucket,
  ensureTable,
  LOCAL_BUCKET,
  LOCAL_TABLE,
  localDynamoDbClient,
  localS3Client,
  startDynalite,
  startS3rver,
} from '../lambdas/adapters/local/aws-stand-ins.js';
import { type Env, localDataDir, shownPath, UsageError } from './cli-kit.js';

export { type CommandIo, type Env, processIo, shownPath, UsageError } from './cli-kit.js';

const OPERATOR = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** `operator:<name>`: the pusher, from --as or the login name. */
export const operatorName = (as: string | undefined, env: Env): string => {
  const name = (as ?? env.USER ?? env.USERNAME ?? '').replace(/^operator:/, '');
  if (!name) throw new UsageError('say who pushes with --as <operator> (USER is not set)');
  if (!OPERATOR.test(name)) throw new UsageError(`invalid operator name "${name}": letters, digits, . _ @ -`);
  return `operator:${name}`;
};

export interface OpenTable {
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The stack's table on AWS (TOLLGATE_TABLE), rather than a local data dir. */
  readonly aws: boolean;
  /** Where the store is, for messages. */
  readonly where: string;
  close(): Promise<void>;
}

const readEndpoint = (dataDir: string, service: 'dynamodb' | 's3' = 'dynamodb'): string | undefined => {
  const file = join(dataDir, ENDPOINTS_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const endpoint = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)[service];
    return typeof endpoint === 'string' ? endpoint : undefined;
  } catch {
    return undefined;
  }
};

/**
 * True when another process holds the LevelDB lock of a dynalite data dir. Checked before starting
 * dynalite on it, which would otherwise crash the process on its first request.
 */
const databaseLocked = async (path: string): Promise<boolean> => {
  mkdirSync(path, { recursive: true });
  // dynalite's own `level`, wherever npm placed it.
  const { Level } = createRequire(createRequire(import.meta.url).resolve('dynalite'))('level') as {
    Level: new (path: string) => { open(): Promise<void>; close(): Promise<void> };
  };
  const db = new Level(path);
  try {
    await db.open();
    await db.close();
    return false;
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') return true;
    throw error;
  }
};

/** True when a DynamoDB endpoint answers; false when nothing listens there (a stale file). */
const answers = async (client: DynamoDBClient, tableName: string): Promise<boolean> => {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }), {
      abortSignal: AbortSignal.timeout(3000),
    });
    return true;
  } catch (error) {
    return (error as { name?: string }).name === 'ResourceNotFoundException';
  }
};

const opened = (
  client: DynamoDBClient,
  tableName: string,
  aws: boolean,
  where: string,
  close: () => Promise<void>,
): OpenTable => ({ documentClient: DynamoDBDocumentClient.from(client), tableName, aws, where, close });

export const openTable = async (env: Env, cwd: string): Promise<OpenTable> => {
  if (env.TOLLGATE_TABLE) {
    const client = new DynamoDBClient({});
    return opened(client, env.TOLLGATE_TABLE, true, `DynamoDB table ${env.TOLLGATE_TABLE}`, async () =>
      client.destroy(),
    );
  }
  const dataDir = localDataDir(env, cwd);
  const published = readEndpoint(dataDir);
  if (published) {
    const client = localDynamoDbClient(published);
    if (await answers(client, LOCAL_TABLE)) {
      await ensureTable(client, LOCAL_TABLE);
      return opened(
        client,
        LOCAL_TABLE,
        false,
        `the running local gateway (${shownPath(cwd, dataDir)})`,
        async () => client.destroy(),
      );
    }
    client.destroy(); // a file left by a gateway that is gone: its database is free
  }
  const path = join(dataDir, 'dynamodb');
  if (await databaseLocked(path)) {
    throw new Error(
      `the local data dir ${shownPath(cwd, dataDir)} is in use by a local gateway that did not publish its ` +
        `DynamoDB endpoint in ${ENDPOINTS_FILE}; stop the gateway and run the command again`,
    );
  }
  const standIn = await startDynalite(path);
  const client = localDynamoDbClient(standIn.endpoint);
  try {
    await ensureTable(client, LOCAL_TABLE);
  } catch (error) {
    client.destroy();
    await standIn.stop();
    throw error;
  }
  return opened(client, LOCAL_TABLE, false, `the local data dir ${shownPath(cwd, dataDir)}`, async () => {
    client.destroy();
    await standIn.stop();
  });
};

export const withTable = async <T>(
  env: Env,
  cwd: string,
  use: (table: OpenTable) => Promise<T>,
): Promise<T> => {
  const table = await openTable(env, cwd);
  try {
    return await use(table);
  } finally {
    await table.close();
  }
};

/** A version as `history` lists it. */
export interface ListedVersion {
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly digest: string;
  readonly comment: string | undefined;
}

/** The lines of `tollgate policy|connection history`: newest first, the active one starred. */
export const historyLines = (title: string, versions: readonly ListedVersion[]): string[] => [
  `${title}, newest first (* active):`,
  ...versions.map((v, index) => {
    const comment = v.comment ? `  ${v.comment}` : '';
    return `${index === 0 ? '*' : ' '} v${v.version}  ${v.createdAt}  ${v.createdBy}  ${v.digest}${comment}`;
  }),
];

export interface OpenArchive {
  readonly archive: S3RecordingArchive;
  /** Where the archive is, for messages. */
  readonly where: string;
  close(): Promise<void>;
}

/**
 * The recordings archive: the stack's bucket on AWS (TOLLGATE_RECORDINGS_BUCKET), else the local
 * data dir's S3 stand-in (the running gateway's, or one of our own on the same folder).
 */
export const openArchive = async (env: Env, cwd: string): Promise<OpenArchive> => {
  if (env.TOLLGATE_RECORDINGS_BUCKET) {
    const client = new S3Client({});
    return {
      archive: new S3RecordingArchive({ client, bucket: env.TOLLGATE_RECORDINGS_BUCKET }),
      where: `S3 bucket ${env.TOLLGATE_RECORDINGS_BUCKET}`,
      close: async () => client.destroy(),
    };
  }
  const dataDir = localDataDir(env, cwd);
  const published = readEndpoint(dataDir, 's3');
  if (published) {
    const client = localS3Client(published);
    const archive = new S3RecordingArchive({ client, bucket: LOCAL_BUCKET });
    try {
      await archive.list('checkpoints/HEAD');
      return {
        archive,
        where: `the running local gateway (${shownPath(cwd, dataDir)})`,
        close: async () => client.destroy(),
      };
    } catch {
      client.destroy(); // a file left by a gateway that is gone
    }
  }
  const standIn = await startS3rver(join(dataDir, 's3'));
  const client = localS3Client(standIn.endpoint);
  try {
    await ensureBucket(client, LOCAL_BUCKET);
  } catch (error) {
    client.destroy();
    await standIn.stop();
    throw error;
  }
  return {
    archive: new S3RecordingArchive({ client, bucket: LOCAL_BUCKET }),
    where: `the local data dir ${shownPath(cwd, dataDir)}`,
    close: async () => {
      client.destroy();
      await standIn.stop();
    },
  };
};
