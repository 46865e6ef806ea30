// The Slack notifier Lambda: approval events from EventBridge posted to the webhook whose URL is
// in Secrets Manager (fetched once), with Secrets Manager mocked and a local server for Slack.
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { ApprovalEvent } from '../../lambdas/core/ports.js';
import { type ApprovalEventBridgeEvent, awsNotifierHandler } from '../../lambdas/wiring/aws-notifier.js';
import { lambdaContext } from '../support/api-gateway-events.js';
import { APPROVAL_ID, approvalEvent } from '../support/approval-events.js';
import { startWebhookServer, type WebhookServer } from '../support/webhook-server.js';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tollgate/slack-webhook-AbCdEf';
const ENV = {
  TOLLGATE_SLACK_WEBHOOK_SECRET_ARN: SECRET_ARN,
  TOLLGATE_GATEWAY_URL: 'https://tollgate.example.com',
  TOLLGATE_LOG_LEVEL: 'silent',
};

const delivered = (detail: ApprovalEvent): ApprovalEventBridgeEvent => ({
  version: '0',
  id: 'event-1',
  'detail-type': detail.type,
  source: 'tollgate',
  account: '123456789012',
  time: detail.at,
  region: 'eu-west-1',
  resources: [],
  detail,
});

describe('notifier handler', () => {
  const secretsMock = mockClient(SecretsManagerClient);
  let slack: WebhookServer;

  beforeAll(async () => {
    slack = await startWebhookServer();
  });
  afterAll(async () => {
    secretsMock.restore();
    await slack.stop();
  });
  beforeEach(() => {
    slack.received.length = 0;
    slack.answer(200, 'ok');
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: slack.url });
  });
  afterEach(() => secretsMock.reset());

  it('posts the event to the webhook named by the secret, with the link to decide at', async () => {
    // Act
    await awsNotifierHandler(ENV)(delivered(approvalEvent()), lambdaContext);

    // Assess
    expect(secretsMock.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: SECRET_ARN,
    });
    expect(slack.received).toHaveLength(1);
    const body = slack.received[0]!.body;
    expect(JSON.parse(body).text).toMatch(/Approval requested/);
    expect(body).toContain(`<https://tollgate.example.com/v1/approvals/${APPROVAL_ID}>`);
  });

  it('reads the secret once for the life of the function', async () => {
    const handler = awsNotifierHandler(ENV);
    await handler(delivered(approvalEvent()), lambdaContext);
    await handler(delivered(approvalEvent({ type: 'approval.approved', status: 'approved' })), lambdaContext);
    expect(slack.received).toHaveLength(2);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('tries the secret again on the next event when reading it failed', async () => {
    // Prepare
    secretsMock
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .resolves({ SecretString: slack.url });
    const handler = awsNotifierHandler(ENV);
    await expect(handler(delivered(approvalEvent()), lambdaContext)).rejects.toThrow(/not found/);

    // Act
    await handler(delivered(approvalEvent()), lambdaContext);

    // Assess
    expect(slack.received).toHaveLength(1);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it.each([
    ['plain http to another host', 'http://hooks.slack.com/services/T0/B0/s3cr3t'],
    ['not a URL', 'hooks.slack.com/services/T0/B0/s3cr3t'],
    ['empty', ''],
  ])('refuses a secret that is %s, without quoting it', async (_name, secret) => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: secret });
    const error = (await awsNotifierHandler(ENV)(delivered(approvalEvent()), lambdaContext).catch(
      (e: Error) => e,
    )) as Error;
    expect(error.message).toMatch(/must hold an https URL/);
    expect(JSON.stringify({ m: error.message, s: error.stack })).not.toContain('s3cr3t');
    expect(slack.received).toHaveLength(0);
  });

  it('fails the invocation when Slack refuses the post, so that EventBridge retries it', async () => {
    slack.answer(500, 'internal error');
    await expect(awsNotifierHandler(ENV)(delivered(approvalEvent()), lambdaContext)).rejects.toThrow(
      /answered 500/,
    );
  });

  it('posts without a link when no gateway URL is configured', async () => {
    const { TOLLGATE_GATEWAY_URL: _url, ...withoutGateway } = ENV;
    await awsNotifierHandler(withoutGateway)(delivered(approvalEvent()), lambdaContext);
    expect(slack.received[0]!.body).not.toContain('tollgate.example.com');
  });

  it('stops at start without the secret ARN, or with a gateway URL that is not one', () => {
    const { TOLLGATE_SLACK_WEBHOOK_SECRET_ARN: _arn, ...withoutSecret } = ENV;
    expect(() => awsNotifierHandler(withoutSecret)).toThrow(/TOLLGATE_SLACK_WEBHOOK_SECRET_ARN is required/);
    expect(() => awsNotifierHandler({ ...ENV, TOLLGATE_GATEWAY_URL: 'tollgate.example.com' })).toThrow(
      /TOLLGATE_GATEWAY_URL must be a URL/,
    );
  });
});
