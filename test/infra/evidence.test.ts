// The stack's side of verifiable evidence: the Object Lock bucket checkpoints land in, the key
// that signs them (for the archiver only), the evidence key, the checkpoint schedule, the
// archiver's ledger grants, the access audit of recording reads and the grants of evidence
// exports, read from the template.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { DynamoDbArchiveLedger } from '../../lambdas/adapters/aws/dynamodb-archive-ledger.js';
import { DynamoDbExportJobStore } from '../../lambdas/adapters/aws/dynamodb-export-job-store.js';
import { DynamoDbSessionStore } from '../../lambdas/adapters/aws/dynamodb-session-store.js';
import { CONFIG_AUDIT_SESSION } from '../../lambdas/core/config/versioned-push.js';
import type { ExportJob, SegmentRecord } from '../../lambdas/core/ports.js';
import { ACCESS_AUDIT_SESSION, GENESIS, type SessionEvent } from '../../lambdas/core/recording/events.js';
import { stackPropsFromContext } from '../../lib/app-context.js';
import { SIGNING_KEY_ADMINISTRATION, type SigningKey } from '../../lib/constructs/signing-key.js';
import { InvalidPropsError } from '../../lib/props-validation.js';
import type { TollgateStack } from '../../lib/tollgate-stack.js';
import { errorFrom, logicalId, type Statement, statementsOf, synthesize } from './support/synth.js';

interface KeyPolicyStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal: { readonly AWS: unknown };
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

describe('TollgateStack evidence', () => {
  // GIVEN the stack with its defaults (one synth shared by the read-only assertions below)
  let stack: TollgateStack;
  let template: Template;
  let resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }
  >;
  let archiverStatements: Statement[];
  let sqlStatements: Statement[];
  beforeAll(() => {
    ({ stack, template } = synthesize());
    resources = template.toJSON().Resources;
    archiverStatements = statementsOf(template, logicalId(stack.archiverFunction.role));
    sqlStatements = statementsOf(template, logicalId(stack.sqlFunction.role));
  });

  const keyPolicyOf = (keyId: string) =>
    (resources[keyId]!.Properties.KeyPolicy as { Statement: KeyPolicyStatement[] }).Statement;
  const archiverRoleArn = () => ({ 'Fn::GetAtt': [logicalId(stack.archiverFunction.role), 'Arn'] });
  const keyArnOf = (key: SigningKey) => ({ 'Fn::GetAtt': [logicalId(key.key), 'Arn'] });
  /** The roles whose identity policies name `arn` anywhere. */
  const rolesNaming = (arn: unknown) =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes(JSON.stringify(arn)))
      .map((policy) => policy.Properties.Roles);
  const isSigning = (s: Statement) => s.Action.some((a) => a.startsWith('kms:Sign'));

  describe('recordings bucket', () => {
    test('the archiver writes checkpoints into the bucket that locks every version in COMPLIANCE mode', () => {
      // THEN
      const archiver = resources[logicalId(stack.archiverFunction.function)]!;
      const bucketRef = (archiver.Properties.Environment as { Variables: Record<string, unknown> }).Variables
        .TOLLGATE_RECORDINGS_BUCKET as { Ref: string };
      expect(resources[bucketRef.Ref]!.Properties).toMatchObject({
        ObjectLockEnabled: true,
        VersioningConfiguration: { Status: 'Enabled' },
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
        },
      });
    });

    test('no role may delete objects, change their retention or legal hold, or the lock itself', () => {
      // THEN
      const everyAction = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
        (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap(
          (s) => s.Action,
        ),
      );
      expect(
        everyAction.filter((action) =>
          /^s3:(Delete|PutObjectRetention|PutObjectLegalHold|BypassGovernanceRetention|PutBucketObjectLock|PutLifecycle|\*)/.test(
            action,
          ),
        ),
      ).toEqual([]);
    });
  });

  describe('checkpoint signing key', () => {
    test('is an ECDSA P-256 signing key that outlives the stack', () => {
      // THEN
      const key = resources[logicalId(stack.checkpointSigningKey.key)]!;
      expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
      expect(key.DeletionPolicy).toBe('Retain');
    });

    test('leaves the account its administration, without signing or granting', () => {
      // THEN
      const [account] = keyPolicyOf(logicalId(stack.checkpointSigningKey.key)).filter(
        (s) => s.Sid === 'AccountAdministersButCannotSign',
      );
      expect(account).toMatchObject({ Effect: 'Allow', Resource: '*' });
      expect(JSON.stringify(account!.Principal.AWS)).toMatch(/:root/);
      expect([account!.Action].flat().sort()).toEqual([...SIGNING_KEY_ADMINISTRATION].sort());
      expect([account!.Action].flat()).toEqual(
        expect.arrayContaining([
          'kms:PutKeyPolicy',
          'kms:DisableKey',
          'kms:ScheduleKeyDeletion',
          'kms:GetPublicKey',
        ]),
      );
      expect([account!.Action].flat().filter((a) => /\*|Sign$|CreateGrant/.test(a))).toEqual([]);
    });

    test('lets the archiver alone sign: its key policy names no other signer', () => {
      // THEN
      const policy = keyPolicyOf(logicalId(stack.checkpointSigningKey.key));
      const signers = policy.filter((s) =>
        [s.Action].flat().some((a) => a === 'kms:Sign' || a === 'kms:*' || a === 'kms:Sign*'),
      );
      expect(signers).toEqual([
        {
          Effect: 'Allow',
          Principal: { AWS: archiverRoleArn() },
          Action: ['kms:GetPublicKey', 'kms:Sign'],
          Resource: '*',
        },
      ]);
      expect(policy).toHaveLength(2);
    });

    test('appears in the archiver identity policy alone, which may sign with it and nothing else', () => {
      // THEN
      const keyArn = keyArnOf(stack.checkpointSigningKey);
      expect(rolesNaming(keyArn)).toEqual([[{ Ref: logicalId(stack.archiverFunction.role) }]]);
      const naming = archiverStatements.filter((s) => s.Resource.some((r) => isEqual(r, keyArn)));
      expect(naming.map(({ Effect, Action }) => ({ Effect, Action }))).toEqual([
        { Effect: 'Allow', Action: ['kms:GetPublicKey', 'kms:Sign'] },
      ]);
    });

    test('the archiver signs with the checkpoint and the evidence key, and with no other key', () => {
      // THEN
      expect(archiverStatements.filter(isSigning).flatMap((s) => s.Resource)).toEqual([
        keyArnOf(stack.checkpointSigningKey),
        keyArnOf(stack.evidenceSigningKey),
      ]);
    });

    test('no other function role may sign with any key', () => {
      // THEN
      const others = Object.values(template.findResources('AWS::IAM::Policy')).filter(
        (policy) =>
          !(policy.Properties.Roles as { Ref: string }[]).some(
            (role) => role.Ref === logicalId(stack.archiverFunction.role),
          ),
      );
      const actions = others.flatMap((policy) =>
        (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap(
          (s) => s.Action,
        ),
      );
      expect(actions.filter((a) => a.startsWith('kms:Sign'))).toEqual([]);
    });

    test('is the archiver signing key and a stack output', () => {
      // THEN
      const keyArn = { 'Fn::GetAtt': [logicalId(stack.checkpointSigningKey.key), 'Arn'] };
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: archiverRoleArn(),
        Environment: { Variables: { TOLLGATE_SIGNING_KEY_ARN: keyArn } },
      });
      template.hasOutput('CheckpointSigningKeyArn', { Value: keyArn });
    });
  });

  describe('evidence signing key', () => {
    test('is an ECDSA P-256 signing key that outlives the stack, with the default key policy', () => {
      // THEN
      const keyId = logicalId(stack.evidenceSigningKey.key);
      const key = resources[keyId]!;
      expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
      expect(key.DeletionPolicy).toBe('Retain');
      // The account's IAM policies decide who signs (auditors' roles are given kms:Sign on it).
      expect(keyPolicyOf(keyId)).toEqual([
        expect.objectContaining({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }),
      ]);
    });

    test('only the archiver may sign with it (API exports), which may do nothing else with it', () => {
      // THEN
      const keyArn = keyArnOf(stack.evidenceSigningKey);
      expect(rolesNaming(keyArn)).toEqual([[{ Ref: logicalId(stack.archiverFunction.role) }]]);
      const naming = archiverStatements.filter((s) => s.Resource.some((r) => isEqual(r, keyArn)));
      expect(naming.map(({ Effect, Action }) => ({ Effect, Action }))).toEqual([
        { Effect: 'Allow', Action: ['kms:GetPublicKey', 'kms:Sign'] },
      ]);
    });

    test('is the archiver manifest key and a stack output', () => {
      // THEN
      const keyArn = keyArnOf(stack.evidenceSigningKey);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: archiverRoleArn(),
        Environment: { Variables: { TOLLGATE_EVIDENCE_KEY_ARN: keyArn } },
      });
      template.hasOutput('EvidenceSigningKeyArn', { Value: keyArn });
    });
  });

  describe('checkpoint schedule', () => {
    const scheduleOf = (t: Template, s: TollgateStack) =>
      t.toJSON().Resources[logicalId(s.checkpointSchedule.rule)].Properties;

    test('invokes the archiver every 5 minutes with a checkpoint request', () => {
      // THEN
      const rule = scheduleOf(template, stack);
      expect(rule.ScheduleExpression).toBe('rate(5 minutes)');
      expect(rule.State).toBe('ENABLED');
      expect(rule.Targets).toHaveLength(1);
      expect(rule.Targets[0]).toMatchObject({
        Arn: { 'Fn::GetAtt': [logicalId(stack.archiverFunction.function), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
      });
      expect(JSON.parse(rule.Targets[0].Input)).toEqual({ action: 'checkpoint' });
    });

    test('is allowed to invoke the archiver, from this rule only', () => {
      // THEN
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [logicalId(stack.archiverFunction.function), 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalId(stack.checkpointSchedule.rule), 'Arn'] },
      });
    });

    test('follows checkpointIntervalMinutes', () => {
      // WHEN
      const quarter = synthesize({ checkpointIntervalMinutes: 15 });
      const minute = synthesize({ checkpointIntervalMinutes: 1 });

      // THEN
      expect(scheduleOf(quarter.template, quarter.stack).ScheduleExpression).toBe('rate(15 minutes)');
      expect(scheduleOf(minute.template, minute.stack).ScheduleExpression).toBe('rate(1 minute)');
    });

    test.each([0, 1.5, 1441, Number.NaN])('rejects checkpointIntervalMinutes %p', (minutes) => {
      // WHEN
      const error = errorFrom(() => synthesize({ checkpointIntervalMinutes: minutes }));

      // THEN
      expect(error).toBeInstanceOf(InvalidPropsError);
      expect((error as InvalidPropsError).problems).toEqual([
        `checkpointIntervalMinutes must be an integer from 1 to 1440, got ${minutes}`,
      ]);
    });

    test('reports a bad interval together with the other problems', () => {
      // WHEN
      const error = errorFrom(() => synthesize({ checkpointIntervalMinutes: 0, maxBodyBytes: 0 }));

      // THEN
      expect((error as InvalidPropsError).problems).toEqual([
        expect.stringMatching(/^maxBodyBytes must be an integer/),
        expect.stringMatching(/^checkpointIntervalMinutes must be an integer/),
      ]);
    });

    test('is read from the checkpointIntervalMinutes context key', () => {
      // WHEN
      const { props } = stackPropsFromContext(new App({ context: { checkpointIntervalMinutes: '15' } }).node);

      // THEN
      expect(props.checkpointIntervalMinutes).toBe(15);
    });
  });

  describe('archiver table grants', () => {
    test('puts only in its ledger, in session partitions (archive pointers) and in export jobs', () => {
      // THEN
      expect(leadingKeysOf(archiverStatements, 'dynamodb:PutItem')).toEqual([
        ['SESSION#*', 'SYSTEM#*', 'EXPORT#*', 'ARCHIVE'],
      ]);
    });

    test('updates only its ledger, the session index and session records (archive marks)', () => {
      // THEN
      expect(leadingKeysOf(archiverStatements, 'dynamodb:UpdateItem')).toEqual([
        ['SESSION#*', 'SYSTEM#*', 'SESSIONS#*', 'ARCHIVE'],
      ]);
    });

    test('deletes only in its ledger partition', () => {
      // THEN
      expect(leadingKeysOf(archiverStatements, 'dynamodb:DeleteItem')).toEqual([['ARCHIVE']]);
    });

    test('allows every write the archive ledger and the session store make for it', async () => {
      // GIVEN the adapters the archiver runs, against a client that records each command
      const { client, writes } = recordingClient();
      const ledger = new DynamoDbArchiveLedger({ client, tableName: 'table' });
      const sessions = new DynamoDbSessionStore({ client, tableName: 'table' });
      const segment: SegmentRecord = {
        key: 'recordings/2026-12-01/abc.ndjson',
        sha256: 'abc',
        events: 1,
        sessions: [],
      };

      // WHEN
      await ledger.intend(segment);
      await ledger.archived(segment.key);
      await ledger.checkpointed([segment.key]);
      await ledger.advanceCheckpoint(undefined, { number: 1, hash: GENESIS.hash });
      await ledger.lease('run-1', '2026-12-01T00:00:00.000Z', '2026-12-01T00:02:00.000Z');
      await ledger.release('run-1');
      await ledger.index({
        sessionId: 'run-1',
        owner: { sub: 'alice', issuer: 'https://login.example.com' },
        createdAt: '2026-12-01T00:00:00.000Z',
        lastSeq: 1,
        lastAt: '2026-12-01T00:00:00.000Z',
        requests: 1,
        principals: ['alice'],
        actsFor: [],
        connections: ['orders'],
        outcomes: ['allow'],
      });
      await sessions.markArchived('run-1', 0, 1, segment.key);
      await sessions.markArchived(CONFIG_AUDIT_SESSION, 0, 1, segment.key);

      // THEN
      expect(new Set(writes.map((w) => w.action))).toEqual(
        new Set(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']),
      );
      expect(writes.filter((w) => !allows(archiverStatements, w.action, w.pk))).toEqual([]);
    });
  });

  describe('recording reads', () => {
    test('the SQL function may record reads in the access audit session', async () => {
      // GIVEN the session store the SQL function records with
      const { client, writes } = recordingClient();
      const sessions = new DynamoDbSessionStore({ client, tableName: 'table' });

      // WHEN it opens the access audit session and appends a read to it
      await sessions.claimSession(
        ACCESS_AUDIT_SESSION,
        { sub: 'tollgate', issuer: 'tollgate' },
        '2026-12-01T00:00:00Z',
      );
      await sessions.putEvent(auditEvent(ACCESS_AUDIT_SESSION));

      // THEN
      expect(writes.map((w) => w.pk)).toEqual([
        'SYSTEM#tollgate:access-audit',
        'SYSTEM#tollgate:access-audit',
      ]);
      expect(writes.filter((w) => !allows(sqlStatements, w.action, w.pk))).toEqual([]);
    });

    test('the SQL function may not write the configuration audit trail', async () => {
      // GIVEN
      const { client, writes } = recordingClient();
      const sessions = new DynamoDbSessionStore({ client, tableName: 'table' });

      // WHEN
      await sessions.claimSession(
        CONFIG_AUDIT_SESSION,
        { sub: 'tollgate', issuer: 'tollgate' },
        '2026-12-01T00:00:00Z',
      );
      await sessions.putEvent(auditEvent(CONFIG_AUDIT_SESSION));

      // THEN
      expect(writes.map((w) => w.pk)).toEqual([
        'SYSTEM#tollgate:config-audit',
        'SYSTEM#tollgate:config-audit',
      ]);
      expect(writes.filter((w) => allows(sqlStatements, w.action, w.pk))).toEqual([]);
      expect(allows(sqlStatements, 'dynamodb:PutItem', 'SYSTEM#tollgate:access-audit2')).toBe(false);
    });

    test('the SQL function may query the session index and update or delete nothing', () => {
      // THEN
      expect(allows(sqlStatements, 'dynamodb:Query', 'SESSIONS#2026-12-01')).toBe(true);
      expect(
        sqlStatements
          .flatMap((s) => s.Action)
          .filter((a) => /^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem|Scan)$/.test(a)),
      ).toEqual([]);
    });
  });

  describe('evidence exports', () => {
    test('the SQL function may put export jobs, in their own partitions only', () => {
      // THEN
      expect(leadingKeysOf(sqlStatements, 'dynamodb:PutItem')).toContainEqual(['EXPORT#*']);
      expect(allows(sqlStatements, 'dynamodb:PutItem', 'EXPORT#4f1c')).toBe(true);
      expect(allows(sqlStatements, 'dynamodb:PutItem', 'EXPORTS#4f1c')).toBe(false);
      expect(allows(sqlStatements, 'dynamodb:PutItem', 'ARCHIVE')).toBe(false);
    });

    test('the SQL function may make every write of queueing an export, and of failing to start it', async () => {
      // GIVEN the job store the SQL function queues exports with
      const { client, writes } = recordingClient();
      const jobs = new DynamoDbExportJobStore({ client, tableName: 'table' });

      // WHEN
      await jobs.create(exportJob('queued'));
      await jobs.update(exportJob('failed'));

      // THEN
      expect(writes).toEqual([
        { action: 'dynamodb:PutItem', pk: 'EXPORT#exp-1' },
        { action: 'dynamodb:PutItem', pk: 'EXPORT#exp-1' },
      ]);
      expect(writes.filter((w) => !allows(sqlStatements, w.action, w.pk))).toEqual([]);
    });

    test('the archiver may make every write of running an export job', async () => {
      // GIVEN the job store the archiver runs exports with
      const { client, writes } = recordingClient();
      const jobs = new DynamoDbExportJobStore({ client, tableName: 'table' });

      // WHEN it marks the job running, then records its progress and its result
      await jobs.update(exportJob('running'));
      await jobs.update(exportJob('running'));
      await jobs.update(exportJob('completed'));

      // THEN
      expect(new Set(writes.map((w) => `${w.action} ${w.pk}`))).toEqual(
        new Set(['dynamodb:PutItem EXPORT#exp-1']),
      );
      expect(writes.filter((w) => !allows(archiverStatements, w.action, w.pk))).toEqual([]);
    });

    test('neither function may update or delete an export job', () => {
      // THEN
      for (const statements of [sqlStatements, archiverStatements]) {
        expect(allows(statements, 'dynamodb:UpdateItem', 'EXPORT#exp-1')).toBe(false);
        expect(allows(statements, 'dynamodb:DeleteItem', 'EXPORT#exp-1')).toBe(false);
      }
    });
  });

  describe('archiver stream', () => {
    test('delivers only event items: what the archiver writes itself does not invoke it again', () => {
      // THEN
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack.archiverFunction.function) },
        FilterCriteria: {
          Filters: [
            { Pattern: JSON.stringify({ dynamodb: { Keys: { sk: { S: [{ prefix: 'EVENT#' }] } } } }) },
          ],
        },
      });
    });
  });
});

const exportJob = (status: ExportJob['status']): ExportJob => ({
  exportId: 'exp-1',
  status,
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  requestedBy: { sub: 'auditor', issuer: 'https://login.example.com' },
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  progress: { done: 0, total: 0 },
  result: null,
  error: status === 'failed' ? 'The export could not be started.' : null,
});

const isEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

interface Write {
  readonly action: string;
  readonly pk: string;
}

const ACTIONS: Record<string, string> = {
  PutCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  DeleteCommand: 'dynamodb:DeleteItem',
};

/** A document client that answers every command with nothing and records each write's action and partition. */
const recordingClient = () => {
  const writes: Write[] = [];
  const client = {
    send: async (command: {
      constructor: { name: string };
      input: { Item?: { pk: string }; Key?: { pk: string } };
    }) => {
      const action = ACTIONS[command.constructor.name];
      if (action) writes.push({ action, pk: command.input.Item?.pk ?? command.input.Key?.pk ?? '' });
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, writes };
};

const auditEvent = (sessionId: string): SessionEvent => ({
  sessionId,
  seq: 1,
  prevHash: GENESIS.hash,
  hash: '1'.repeat(64),
  type: 'recording.viewed',
  requestId: 'req-1',
  at: '2026-12-01T00:00:00Z',
  data: {},
});

/** The `dynamodb:LeadingKeys` patterns of each statement granting `action`. */
const leadingKeysOf = (statements: readonly Statement[], action: string): unknown[] =>
  statements
    .filter((s) => s.Action.includes(action))
    .map(
      (s) =>
        (s.Condition as { 'ForAllValues:StringLike'?: { 'dynamodb:LeadingKeys'?: unknown } } | undefined)?.[
          'ForAllValues:StringLike'
        ]?.['dynamodb:LeadingKeys'],
    );

/** IAM's StringLike: `*` any run of characters, `?` one character, everything else literal. */
const like = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  ).test(value);

/** Whether an Allow statement grants `action` on an item in partition `pk`. */
const allows = (statements: readonly Statement[], action: string, pk: string) =>
  statements.some((s) => {
    if (s.Effect !== 'Allow' || !s.Action.includes(action)) return false;
    if (s.Condition === undefined) return true;
    const patterns = leadingKeysOf([s], action)[0];
    return Array.isArray(patterns) && patterns.some((p) => like(String(p), pk));
  });
