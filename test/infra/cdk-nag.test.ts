// cdk-nag's AWS Solutions checks against the Tollgate stack. cdk-nag 3 is a CDK validation plugin:
// findings are reported in the synth's validation report, not as construct annotations, so the
// tests call the pack directly (validateScope) and read its violations.
import { App, type PolicyViolation, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { TollgateStack, type TollgateStackProps } from '../../lib/tollgate-stack.js';
import { connection, importedVpc, newApp, OIDC, secretArn, synthesize } from './support/synth.js';

/** Findings as `rule at path` lines, which read well in a failed expectation. */
const findings = (violations: readonly PolicyViolation[]): string[] =>
  violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) at ${r.constructPath}`),
  );

const check = (scope: IConstruct) => new AwsSolutionsChecks().validateScope(scope);

/** Props that create every optional part: connections with a write credential, a VPC, Slack. */
const widest = (app?: App): Partial<TollgateStackProps> => ({
  connections: [
    { ...connection('orders'), writeTarget: { secretArn: secretArn('orders-writer') } },
    connection('billing'),
  ],
  slackWebhookSecretArn: secretArn('slack-webhook'),
  ...(app ? { vpc: importedVpc(app) } : {}),
});

/** The same checks, blind to acknowledgements: what the stack would report without them. */
const checkIgnoringAcknowledgements = (scope: IConstruct) => {
  const pack = new AwsSolutionsChecks();
  Object.assign(pack, { isAcknowledged: () => false });
  return pack.validateScope(scope);
};

/** Every acknowledged rule id with the construct path it was recorded on, and its reason. */
const acknowledgements = (scope: IConstruct) =>
  scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          path: construct.node.path,
          reason,
        })),
      ),
  );

describe('cdk-nag AWS Solutions checks', () => {
  test('find nothing unacknowledged in the default stack', () => {
    // GIVEN
    const { stack } = synthesize();

    // WHEN
    const report = check(stack);

    // THEN
    expect(findings(report.violations)).toEqual([]);
  });

  test('find nothing unacknowledged with connections and the SQL function in a VPC', () => {
    // GIVEN
    const app = newApp();
    const { stack } = synthesize({ connections: [connection('orders')], vpc: importedVpc(app) }, app);

    // WHEN
    const report = check(stack);

    // THEN
    expect(findings(report.violations)).toEqual([]);
  });

  test('find nothing unacknowledged with the Slack notifier and a separate write credential', () => {
    // GIVEN
    const { stack } = synthesize(widest());

    // WHEN
    const report = check(stack);

    // THEN
    expect(findings(report.violations)).toEqual([]);
  });

  test('every acknowledgement suppresses a finding that would otherwise be reported', () => {
    // GIVEN the stack in its widest form, and what it would report without acknowledgements
    const app = newApp();
    const { stack } = synthesize(widest(app), app);
    const unacknowledged = checkIgnoringAcknowledgements(stack).violations.flatMap((v) =>
      v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath! })),
    );

    // WHEN
    const stale = acknowledgements(stack).filter(
      (ack) => !unacknowledged.some((f) => f.rule === ack.id && `${f.path}/`.startsWith(`${ack.path}/`)),
    );

    // THEN
    expect(stale).toEqual([]);
  });

  test('every acknowledgement gives a specific reason', () => {
    // GIVEN
    const app = newApp();
    const { stack } = synthesize(widest(app), app);

    // THEN
    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.filter((ack) => ack.reason.length <= 80)).toEqual([]);
  });

  test('let the app synthesize when registered as a validation plugin, as bin/app.ts does', () => {
    // GIVEN
    const app = newApp();
    new TollgateStack(app, 'Tollgate', OIDC);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // WHEN
    const assembly = app.synth();

    // THEN
    expect(assembly.stacks.map((stack) => stack.stackName)).toEqual(['Tollgate']);
  });

  test('fail the synth on an unacknowledged finding (the harness above can fail)', () => {
    // GIVEN a bucket without access logs or an SSL-only policy
    const app = new App();
    new s3.Bucket(new Stack(app, 'Careless'), 'Bucket');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // THEN
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});
