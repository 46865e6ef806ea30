// The grammar of the `tollgate` CLI on commander: every command, argument and option, with its
// help and value checks. The work is in the *-command.ts files, imported only when their command
// runs, so `token` and `--help` never load the gateway, the AWS SDK or the SQL parsers.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { LOCAL_AUDIENCE } from '../lambdas/adapters/local/dev-issuer.js';
import { REQUEST_STATUSES } from '../lambdas/core/approval/approval.js';
import type { ApprovalsOptions, ApprovalsSubcommand } from './approvals-command.js';
import type { ClassifyOptions } from './classify-command.js';
import { act, type CliContext } from './cli-kit.js';
import type { ConnectionOptions, ConnectionSubcommand } from './connection-command.js';
import type { EvidenceOptions, EvidenceSubcommand } from './evidence-command.js';
import { parseDuration, parseInteger, parseNonEmpty } from './option-values.js';
import type { PolicyOptions, PolicySubcommand } from './policy-command.js';
import type { ReplayOptions, SessionsOptions } from './replay-command.js';
import type { TokenOptions } from './token-command.js';

/** The version in package.json (read, not imported: JSON imports warn on Node 20). */
export const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;

export const TOKEN_TTL = { min: 1, max: 7 * 86_400 } as const;
export const HISTORY_LIMIT = { min: 1, max: 1000 } as const;
/**
 * MAX_SAMPLES of lambdas/core/masking/propose-classification.ts, which is not imported here: it
 * loads the detectors, and `token` must stay fast. A test checks the two agree.
 */
export const CLASSIFY_MAX_SAMPLES = 50;

const ENVIRONMENT = `
Environment:
  TOLLGATE_PORT       port of the local gateway, 0 to 65535 (0 picks a free one; default 8080)
  TOLLGATE_DATA_DIR   the local data dir: stand-in data, the issuer key, the demo database
                      (default .tollgate in the current folder); token, policy, connection and
                      classify look there too
  TOLLGATE_CONFIG     the configuration file (default tollgate.yaml)
  TOLLGATE_LOG_LEVEL  warn (default) or silent
  TOLLGATE_TABLE      policy and connection: work on this DynamoDB table on AWS instead`;

const limitOption = () =>
  new Option('--limit <n>', `versions to list, ${HISTORY_LIMIT.min} to ${HISTORY_LIMIT.max}`)
    .default(20)
    .argParser((value) => parseInteger(value, HISTORY_LIMIT));
const commentOption = () => new Option('--comment <text>', 'why: kept with the version');
const asOption = () =>
  new Option('--as <operator>', 'who pushes (default: the login name, USER)').argParser(parseNonEmpty);

const startCli = (ctx: CliContext) =>
  act(
    new Command('start')
      .description('run the local gateway until Ctrl-C (the first stops gracefully, a second at once)')
      .addHelpText('after', ENVIRONMENT),
    ctx,
    async () => (await import('./start-command.js')).runStart(ctx),
  );

const tokenCli = (ctx: CliContext) =>
  act<TokenOptions>(
    new Command('token')
      .description(
        "print a token signed by the local development issuer (the gateway's, in the data dir: run `start` first)",
      )
      .usage('--sub <id> [options]')
      .addOption(
        new Option('--sub <id>', 'the subject: who the token is for')
          .makeOptionMandatory()
          .argParser(parseNonEmpty),
      )
      .addOption(new Option('--groups <list>', 'comma-separated groups, e.g. agents,admins').default(''))
      .addOption(
        new Option('--ttl <duration>', 'lifetime, with a unit: 90s, 15m, 2h, 1d (at most 7d)')
          .default(900, '15m')
          .argParser((value) => parseDuration(value, TOKEN_TTL)),
      )
      .addOption(new Option('--aud <audience>', 'the audience').default(LOCAL_AUDIENCE))
      .addOption(
        new Option('--act <agent>', 'an agent acting for --sub: a delegation token (RFC 8693 act)').argParser(
          parseNonEmpty,
        ),
      )
      .addHelpText(
        'after',
        '\nThe issuer key is TOLLGATE_DATA_DIR/issuer/issuer-key.pem; only `start` creates it.',
      ),
    ctx,
    async (options) => (await import('./token-command.js')).runToken(options, ctx),
  );

const policyCli = (ctx: CliContext) => {
  const policy = new Command('policy')
    .usage('<command> [options]')
    .description('check, test, compare and publish the Cedar policy set (docs/policies.md)')
    .addHelpText(
      'after',
      '\nStore: the DynamoDB table TOLLGATE_TABLE on AWS, else the local data dir (TOLLGATE_DATA_DIR, default .tollgate).',
    );
  const dir = () => new Option('--dir <dir>', 'the policy folder').default('policies');
  const sub = (name: PolicySubcommand, usage: string, description: string, ...options: Option[]) => {
    const command = new Command(name).usage(usage).description(description);
    for (const option of options) command.addOption(option);
    policy.addCommand(
      act<PolicyOptions>(command, ctx, async (values) =>
        (await import('./policy-command.js')).runPolicy(name, values, ctx),
      ),
    );
  };
  sub('validate', '[--dir policies]', 'compile the policy folder and list every problem', dir());
  sub('test', '[--dir policies]', 'run the golden tests in <dir>/tests/*.yaml', dir());
  sub('diff', '[--dir policies]', 'compare the folder with the active stored version', dir());
  sub(
    'push',
    '[--dir policies] [--comment "..."] [--as <operator>]',
    'validate, test, then store and activate the folder',
    dir(),
    commentOption(),
    asOption(),
  );
  sub('history', '[--limit 20]', 'list the stored versions, newest first', limitOption());
  // Backtesting reads the recordings, not the policy store: its own options and module.
  policy.addCommand(
    act<import('./policy-replay-command.js').PolicyReplayOptions>(
      new Command('replay')
        .usage('--policies <dir> --from <ISO> --to <ISO> [--bundle <dir>] [--json]')
        .description(
          're-decide the recorded requests of a period under a candidate folder: what would change',
        )
        .addOption(new Option('--policies <dir>', 'the candidate policy folder').makeOptionMandatory())
        .addOption(new Option('--from <ISO>', 'from this date or time (2026-11-01, 2026-11-01T09:30:00Z)'))
        .addOption(new Option('--to <ISO>', 'to this date or time, inclusive (a date: to its end, UTC)'))
        .addOption(new Option('--bundle <dir>', "an evidence bundle's folder: read its segments/, no store"))
        .addOption(new Option('--json', 'print the report as JSON').default(false))
        .addHelpText(
          'after',
          '\nRecordings: the S3 bucket TOLLGATE_RECORDINGS_BUCKET on AWS, else the local data dir (TOLLGATE_DATA_DIR,\n' +
            "default .tollgate). With --bundle, --from and --to default to the bundle's period.\n" +
            'Exit codes: 0 it ran (whatever would change), 1 it failed, 2 a usage error.',
        ),
      ctx,
      async (values) => (await import('./policy-replay-command.js')).runPolicyReplay(values, ctx),
    ),
  );
  return policy;
};

const connectionCli = (ctx: CliContext) => {
  const connection = new Command('connection')
    .usage('<command> [options]')
    .description('check, compare and publish the connection list (docs/connections.md)')
    .addHelpText(
      'after',
      '\nFile: --file, else TOLLGATE_CONFIG, else tollgate.yaml (its connections, or a YAML list of connections).\n' +
        'Store: the DynamoDB table TOLLGATE_TABLE on AWS (targets must be secretArn), else the local data dir\n' +
        '(TOLLGATE_DATA_DIR, default .tollgate).',
    );
  const file = () =>
    new Option('--file <file>', 'the connections (default: TOLLGATE_CONFIG, else tollgate.yaml)');
  const sub = (name: ConnectionSubcommand, usage: string, description: string, ...options: Option[]) => {
    const command = new Command(name).usage(usage).description(description);
    for (const option of options) command.addOption(option);
    connection.addCommand(
      act<ConnectionOptions>(command, ctx, async (values) =>
        (await import('./connection-command.js')).runConnection(name, values, ctx),
      ),
    );
  };
  sub('validate', '[--file tollgate.yaml]', 'validate the connections and list every problem', file());
  sub('diff', '[--file tollgate.yaml]', 'compare them with the active stored version', file());
  sub(
    'push',
    '[--file tollgate.yaml] [--comment "..."] [--as <operator>]',
    'validate, then store and activate them',
    file(),
    commentOption(),
    asOption(),
  );
  sub('history', '[--limit 20]', 'list the stored versions, newest first', limitOption());
  return connection;
};

const classifyCli = (ctx: CliContext) =>
  act<ClassifyOptions>(
    new Command('classify')
      .description(
        "propose the connection's column classification from its columns' names and a sample of their values " +
          '(read-only; values are never printed) (docs/masking.md)',
      )
      .usage('<connection> [options]')
      .argument('<connection>', 'the connection, by name')
      .addOption(
        new Option('--sample <n>', `values sampled per column, 1 to ${CLASSIFY_MAX_SAMPLES}`)
          .default(CLASSIFY_MAX_SAMPLES)
          .argParser((value) => parseInteger(value, { min: 1, max: CLASSIFY_MAX_SAMPLES })),
      )
      .addOption(
        new Option(
          '--write',
          'add the proposed classes of unclassified columns to the file (comments kept; existing entries are never changed or removed)',
        ).default(false),
      )
      .addOption(
        new Option('--file <file>', 'the configuration file (default: TOLLGATE_CONFIG, else tollgate.yaml)'),
      )
      .addHelpText(
        'after',
        '\nLocal mode, PostgreSQL targets: url, urlEnv, or the demo database (started from\n' +
          'TOLLGATE_DATA_DIR/demo-postgres: stop a local gateway using that data dir first).',
      ),
    ctx,
    async (options, args) => (await import('./classify-command.js')).runClassify(args[0]!, options, ctx),
  );

/** A reviewer's reason, as the gateway takes it: 1 to 1000 characters. */
export const REASON_MAX = 1000;
const APPROVAL_STATUSES = ['pending', ...REQUEST_STATUSES] as const;

/** --url, --token, --sub, --groups and --json of the commands that call the gateway's API. */
const gatewayCallOptions = (groupsByDefault: string) => [
  new Option('--url <url>', 'a deployed gateway (https; plain http only to 127.0.0.1 or localhost)'),
  new Option(
    '--token <token>',
    'the bearer token (default: TOLLGATE_TOKEN, which stays out of shell history)',
  ),
  new Option('--sub <id>', 'local gateway only: mint a token for this subject (default: USER)').argParser(
    parseNonEmpty,
  ),
  new Option(
    '--groups <list>',
    `local gateway only: the minted token's comma-separated groups (default: ${groupsByDefault})`,
  ).argParser(parseNonEmpty),
  new Option('--json', 'print JSON').default(false),
];

const approvalsCli = (ctx: CliContext) => {
  const approvals = new Command('approvals')
    .usage('<command> [options]')
    .description('list, show, approve and deny the requests held for review')
    .addHelpText(
      'after',
      '\nGateway: --url, else the local gateway on 127.0.0.1 at TOLLGATE_PORT (default 8080).\n' +
        'Token: --token, else TOLLGATE_TOKEN; for the local gateway, else one minted by its development issuer\n' +
        '(TOLLGATE_DATA_DIR, default .tollgate) for --sub (default USER) in --groups (default reviewers).',
    );
  const gatewayOptions = () => gatewayCallOptions('reviewers');
  const reason = () =>
    new Option('--reason <text>', `why, 1 to ${REASON_MAX} characters: kept with the decision`)
      .makeOptionMandatory()
      .argParser((value) => {
        if (parseNonEmpty(value).length > REASON_MAX)
          throw new InvalidArgumentError(`It may be at most ${REASON_MAX} characters.`);
        return value;
      });
  const sub = (name: ApprovalsSubcommand, usage: string, description: string, ...options: Option[]) => {
    const command = new Command(name).usage(usage).description(description);
    if (name !== 'list') command.argument('<approvalId>', 'the approval, by id');
    for (const option of [...options, ...gatewayOptions()]) command.addOption(option);
    approvals.addCommand(
      act<ApprovalsOptions>(command, ctx, async (values, args) =>
        (await import('./approvals-command.js')).runApprovals(name, args[0], values, ctx),
      ),
    );
  };
  sub(
    'list',
    '[--status pending] [options]',
    'list the approvals you may decide, pending ones by default',
    new Option('--status <status>', 'which approvals').choices(APPROVAL_STATUSES).default('pending'),
  );
  sub(
    'show',
    '<approvalId> [options]',
    'show the whole request: masked SQL, facts, impact, requester, expiry',
  );
  sub('approve', '<approvalId> --reason "..." [options]', 'approve the request', reason());
  sub('deny', '<approvalId> --reason "..." [options]', 'deny the request: it never runs', reason());
  return approvals;
};

const evidenceCli = (ctx: CliContext) => {
  const evidence = new Command('evidence')
    .usage('<command> [options]')
    .description('signed checkpoints, evidence bundles for a period, and their offline verification')
    .addHelpText(
      'after',
      "\nStores: the local data dir (TOLLGATE_DATA_DIR, default .tollgate), or on AWS the stack's\n" +
        'TOLLGATE_TABLE and TOLLGATE_RECORDINGS_BUCKET, with TOLLGATE_SIGNING_KEY_ARN for the manifest.\n' +
        'verify needs only the bundle.',
    );
  const json = () => new Option('--json', 'print JSON').default(false);
  const add = (name: EvidenceSubcommand, command: Command) =>
    evidence.addCommand(
      act<EvidenceOptions>(command, ctx, async (options, args) =>
        (await import('./evidence-command.js')).runEvidence(name, args[0], options, ctx),
      ),
    );
  add(
    'export',
    new Command('export')
      .usage('--from <ISO> [--to <ISO>] --out <dir>')
      .description('write the evidence bundle of a period: segments, checkpoints, approvals, config, report')
      .addOption(new Option('--from <time>', 'start of the period (ISO 8601)').makeOptionMandatory())
      .addOption(new Option('--to <time>', 'end of the period (ISO 8601; default now)'))
      .addOption(new Option('--out <dir>', 'a new or empty folder for the bundle').makeOptionMandatory())
      .addOption(
        new Option(
          '--as <operator>',
          'who exports, recorded in the access audit (default: the login name, USER)',
        ).argParser(parseNonEmpty),
      )
      .addOption(json()),
  );
  add(
    'verify',
    new Command('verify')
      .usage('<dir> [--key-fingerprint <sha256>]')
      .description(
        'check a bundle offline: hashes, signatures, every chain, coverage; exit 0 only if all holds',
      )
      .argument('<dir>', 'the bundle')
      .addOption(
        new Option(
          '--key-fingerprint <list>',
          'comma-separated SHA-256 fingerprints of the signing keys you trust (as published)',
        ),
      )
      .addOption(json()),
  );
  add(
    'checkpoint',
    new Command('checkpoint')
      .description('local data dir: archive what is pending and write a signed checkpoint now')
      .addOption(json()),
  );
  return evidence;
};

const replayCli = (ctx: CliContext) => {
  const command = new Command('replay')
    .usage('<sessionId> [--html <file>] [--bundle <dir>] [options]')
    .description("a session's timeline: requests, decisions, approvals, outcomes, masking")
    .argument('<sessionId>', 'the session')
    .addOption(new Option('--html <file>', 'write a self-contained HTML page instead'))
    .addOption(
      new Option('--bundle <dir>', 'read the session from an evidence bundle (folder or zip), offline'),
    )
    .addOption(
      new Option(
        '--key-fingerprint <list>',
        'with --bundle: the signing keys you trust (the bundle must verify)',
      ),
    );
  for (const option of gatewayCallOptions('auditors')) command.addOption(option);
  return act<ReplayOptions>(command, ctx, async (options, args) =>
    (await import('./replay-command.js')).runReplay(args[0]!, options, ctx),
  );
};

const sessionsCli = (ctx: CliContext) => {
  const command = new Command('sessions')
    .usage('[--from <ISO>] [--to <ISO>] [--principal <sub>] [--connection <name>] [--outcome <o>] [options]')
    .description('list recorded sessions (auditors see all; others their own)')
    .addOption(new Option('--from <time>', 'created at or after (ISO 8601; default 7 days before --to)'))
    .addOption(new Option('--to <time>', 'created at or before (ISO 8601; default now)'))
    .addOption(new Option('--principal <sub>', 'the owner, a principal or the person an agent acted for'))
    .addOption(new Option('--connection <name>', 'used this connection'))
    .addOption(
      new Option('--outcome <outcome>', 'had a request with this outcome').choices([
        'allow',
        'deny',
        'block',
        'approval_required',
        'failed',
      ]),
    )
    .addOption(
      new Option('--limit <n>', 'sessions per page, 1 to 200')
        .default(50)
        .argParser((value) => parseInteger(value, { min: 1, max: 200 })),
    )
    .addOption(new Option('--cursor <cursor>', 'the next page, as the previous one said'));
  for (const option of gatewayCallOptions('auditors')) command.addOption(option);
  return act<SessionsOptions>(command, ctx, async (options) =>
    (await import('./replay-command.js')).runSessions(options, ctx),
  );
};

/** The whole `tollgate` command tree; run it with runCli (cli-kit.ts). */
export const buildProgram = (ctx: CliContext): Command =>
  new Command('tollgate')
    .usage('<command> [options]')
    .description(
      'Identity-aware, recorded, policy-enforcing gateway between AI agents and data: the local CLI.',
    )
    .version(packageVersion(), '-v, --version', 'print the version')
    .addCommand(startCli(ctx))
    .addCommand(tokenCli(ctx))
    .addCommand(policyCli(ctx))
    .addCommand(connectionCli(ctx))
    .addCommand(classifyCli(ctx))
    .addCommand(approvalsCli(ctx))
    .addCommand(sessionsCli(ctx))
    .addCommand(replayCli(ctx))
    .addCommand(evidenceCli(ctx))
    .addHelpText('after', ENVIRONMENT);
