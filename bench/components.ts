// Single components of a gateway request measured alone: the bare HTTP hop, token verification,
// and one conditional put and one head query to the gateway's dynalite. They explain where the
// gateway's time goes.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createJwtIdentityVerifier } from '../lambdas/adapters/identity/jwt-identity-verifier.js';
import { ensureTable, localDynamoDbClient } from '../lambdas/adapters/local/aws-stand-ins.js';
import { LOCAL_AUDIENCE, LOCAL_GROUPS_CLAIM, LOCAL_ISSUER } from '../lambdas/adapters/local/dev-issuer.js';
import type { ComponentFigures, MicroFigures } from './report.js';
import { round, summarize } from './stats.js';

/** A table of its own in the gateway's dynalite, so the probe never touches recordings. */
const PROBE_TABLE = 'tollgate-bench-probe';

const timeAsync = async (fn: () => Promise<unknown>, calls: number): Promise<MicroFigures> => {
  for (let i = 0; i < Math.ceil(calls / 10); i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  const summary = summarize(samples, 1000);
  return {
    n: calls,
    p50Us: round(summary.p50, 1),
    p99Us: round(summary.p99, 1),
    perSecond: Math.round(1e6 / summary.mean),
  };
};

/** Creates the probe table and waits until dynalite reports it ACTIVE. */
const ensureActiveTable = async (client: DynamoDBClient): Promise<void> => {
  await ensureTable(client, PROBE_TABLE);
  for (let attempt = 0; attempt < 500; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: PROBE_TABLE }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await sleep(10);
  }
  throw new Error(`${PROBE_TABLE} did not become ACTIVE`);
};

const healthz = (gatewayUrl: string) => async () => {
  const response = await fetch(`${gatewayUrl}/healthz`);
  await response.text();
  if (response.status !== 200) throw new Error(`GET /healthz answered ${response.status}`);
};

/** Measures each component against the running gateway and its stand-ins. */
export const runComponentBench = async (options: {
  gatewayUrl: string;
  dynamoEndpoint: string;
  token: string;
  calls: number;
}): Promise<ComponentFigures> => {
  const httpHealthz = await timeAsync(healthz(options.gatewayUrl), Math.ceil(options.calls / 2));
  const verifier = createJwtIdentityVerifier({
    kind: 'oidc',
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    jwksUri: `${options.gatewayUrl}/.well-known/jwks.json`,
    groupsClaim: LOCAL_GROUPS_CLAIM,
    allowInsecureJwksUri: true,
  });
  const tokenVerify = await timeAsync(() => verifier.verify(options.token), options.calls);

  const client = localDynamoDbClient(options.dynamoEndpoint);
  try {
    await ensureActiveTable(client);
    const documents = DynamoDBDocumentClient.from(client);
    const session = `PROBE#${randomUUID()}`;
    let seq = 0;
    // Event items shaped like the recorder's, all in one session, as a fixed session grows.
    const put = () =>
      documents.send(
        new PutCommand({
          TableName: PROBE_TABLE,
          Item: {
            pk: session,
            sk: `EVENT#${String(++seq).padStart(12, '0')}`,
            seq,
            hash: 'x'.repeat(64),
            event: JSON.stringify({ seq, data: 'y'.repeat(400) }),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    const head = () =>
      documents.send(
        new QueryCommand({
          TableName: PROBE_TABLE,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': session, ':prefix': 'EVENT#' },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
    const dynamoCalls = Math.ceil(options.calls / 5);
    const dynamoConditionalPut = await timeAsync(put, dynamoCalls);
    const dynamoHeadQuery = await timeAsync(head, dynamoCalls);
    return { httpHealthz, tokenVerify, dynamoConditionalPut, dynamoHeadQuery };
  } finally {
    client.destroy();
  }
};
