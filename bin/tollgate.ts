// The `tollgate` CLI: `start` runs the local gateway; `token` mints a development token; `policy`
// and `connection` publish versions of the policy set and of the connection list.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_AUDIENCE, loadDevIssuer, parseTtl } from '../lambdas/adapters/local/dev-issuer.js';
import { createJsonLogger } from '../lambdas/adapters/logging/json-logger.js';

const USAGE = `Usage:
  tollgate start                      Start the local gateway (TOLLGATE_PORT, TOLLGATE_DATA_DIR, TOLLGATE_CONFIG)
  tollgate token --sub <id> [--groups a,b] [--ttl 15m] [--aud <aud>] [--act <agent>]
                                      Print a token signed by the local development issuer
                                      (--act: an agent acting for --sub, RFC 8693)
  tollgate policy <validate|test|diff|push|history> [--dir policies]
                                      Check, test, compare and publish Cedar policies (docs/policies.md)
  tollgate connection <validate|diff|push|history> [--file tollgate.yaml]
                                      Check, compare and publish the connection list (docs/connections.md)
  tollgate classify <connection> [--sample 50] [--write]
                                      Propose the connection's column classification (docs/masking.md)
`;

const env = process.env;
const dataDir = resolve(env.TOLLGATE_DATA_DIR || '.tollgate');

const fail = (message: string): never => {
  process.stderr.write(`tollgate: ${message}\n`);
  process.exit(2);
};

const start = async () => {
  const port = Number(env.TOLLGATE_PORT || 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`invalid TOLLGATE_PORT "${env.TOLLGATE_PORT}"`);
  // Loaded here, not at the top: `token` must stay fast and not load the gateway.
  const { startLocalGateway } = await import('../lambdas/wiring/local.js');
  const logger = createJsonLogger({ level: env.TOLLGATE_LOG_LEVEL === 'silent' ? 'silent' : 'warn' });
  const gateway = await startLocalGateway({
    dataDir,
    configFile: resolve(env.TOLLGATE_CONFIG || 'tollgate.yaml'),
    port,
    logger,
    env,
  });
  const first = gateway.connections[0]?.name ?? 'demo-postgres';
  process.stdout.write(`Tollgate listening on ${gateway.url}
  data dir:    ${gateway.dataDir}
  connections: ${gateway.connections.map((c) => c.name).join(', ')}

Try it:
  TOKEN=$(npx tollgate token --sub alice --groups agents)
  curl -s ${gateway.url}/v1/connections/${first}/sql \\
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '{"sql": "SELECT id, full_name FROM customers ORDER BY id LIMIT 3"}'
  curl -s ${gateway.url}/v1/connections/${first}/sql \\
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '{"sql": "DROP TABLE customers"}'
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await gateway.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
};

const token = () => {
  const { values } = parseArgs({
    args: process.argv.slice(3),
    options: {
      sub: { type: 'string' },
      groups: { type: 'string', default: '' },
      ttl: { type: 'string', default: '15m' },
      aud: { type: 'string', default: LOCAL_AUDIENCE },
      act: { type: 'string' },
    },
    strict: true,
  });
  if (!values.sub) fail('--sub is required');
  let ttlSeconds = 0;
  try {
    ttlSeconds = parseTtl(values.ttl);
  } catch (error) {
    fail((error as Error).message);
  }
  const issuer = loadDevIssuer(join(dataDir, 'issuer'));
  const groups = values.groups
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const signed = issuer.signToken({
    sub: values.sub!,
    groups,
    ttlSeconds,
    audience: values.aud,
    ...(values.act ? { actor: values.act } : {}),
  });
  process.stdout.write(`${signed}\n`);
};

const command = process.argv[2];
try {
  if (command === 'start') await start();
  else if (command === 'token') token();
  else if (command === 'policy') {
    const { policyCommand } = await import('./policy-command.js');
    process.exit(await policyCommand(process.argv.slice(3), env));
  } else if (command === 'connection') {
    const { connectionCommand } = await import('./connection-command.js');
    process.exit(await connectionCommand(process.argv.slice(3), env));
  } else if (command === 'classify') {
    const { classifyCommand } = await import('./classify-command.js');
    process.exit(await classifyCommand(process.argv.slice(3), env));
  } else {
    process.stdout.write(USAGE);
    if (command !== undefined && command !== '--help' && command !== 'help') process.exit(2);
  }
} catch (error) {
  fail((error as Error).message);
}
