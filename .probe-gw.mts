import { writeFileSync } from 'node:fs';
import { ensureTable, localDynamoDbClient, startDynalite } from './lambdas/adapters/local/aws-stand-ins.ts';

const d = await startDynalite('/tmp/probe/data/dynamodb');
await ensureTable(localDynamoDbClient(d.endpoint), 'tollgate-local');
if (process.argv[2] === 'publish')
  writeFileSync('/tmp/probe/data/endpoints.json', JSON.stringify({ dynamodb: d.endpoint }));
console.log('ready', d.endpoint);
setTimeout(() => {}, 1e9);
