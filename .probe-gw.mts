import { startDynalite, ensureTable, localDynamoDbClient } from './lambdas/adapters/local/aws-stand-ins.ts';
import { writeFileSync } from 'node:fs';
const d = await startDynalite('/tmp/probe/data/dynamodb');
await ensureTable(localDynamoDbClient(d.endpoint), 'tollgate-local');
if (process.argv[2] === 'publish') writeFileSync('/tmp/probe/data/endpoints.json', JSON.stringify({ dynamodb: d.endpoint }));
console.log('ready', d.endpoint);
setTimeout(() => {}, 1e9);
