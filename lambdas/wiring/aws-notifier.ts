// Composition root of the Slack notifier on AWS Lambda: approval events from EventBridge → the
// Slack incoming webhook whose URL is kept in Secrets Manager. Loads Secrets Manager only.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { WebhookPublisher } from '../adapters/notifications/webhook-publisher.js';
import type { ApprovalEvent, EventPublisher } from '../core/ports.js';
import { lambdaObservability } from './aws-observability.js';
import { type Env, required } from './env.js';

export type ApprovalEventBridgeEvent = EventBridgeEvent<ApprovalEvent['type'], ApprovalEvent>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The webhook URL in the secret. https, since the URL is the credential and the message holds
 * the request; plain http only to the loopback interface, where nothing leaves the host.
 */
const webhookUrlIn = (secret: string | undefined): string => {
  let url: URL | undefined;
  try {
    url = new URL((secret ?? '').trim());
  } catch {
    // URL's own error quotes the input: the secret must not reach a log.
    url = undefined;
  }
  if (url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    return url.href;
  throw new Error('the Slack webhook secret must hold an https URL (its SecretString)');
};

export const awsNotifierHandler = (env: Env) => {
  const { logger, middlewares } = lambdaObservability(env);
  const secretArn = required(env, 'TOLLGATE_SLACK_WEBHOOK_SECRET_ARN');
  const gatewayUrl = env.TOLLGATE_GATEWAY_URL || undefined;
  if (gatewayUrl !== undefined && !URL.canParse(gatewayUrl)) {
    throw new Error(`TOLLGATE_GATEWAY_URL must be a URL, got "${gatewayUrl}"`);
  }
  const secrets = new SecretsManagerClient({});
  // Fetched on the first event, then kept for the life of the container; a failed fetch is not
  // kept, so the next event (or EventBridge's retry of this one) tries again.
  let slack: Promise<EventPublisher> | undefined;
  const publisher = () => {
    slack ??= secrets
      .send(new GetSecretValueCommand({ SecretId: secretArn }))
      .then(({ SecretString }) => new WebhookPublisher({ url: webhookUrlIn(SecretString), gatewayUrl }))
      .catch((error: unknown) => {
        slack = undefined;
        throw error;
      });
    return slack;
  };
  return middy<ApprovalEventBridgeEvent, void>()
    .use(middlewares)
    .handler(async (event) => {
      // A failure throws: EventBridge's asynchronous invocation retries the event.
      await (await publisher()).publish(event.detail);
      logger.info('approval event posted to Slack', {
        type: event.detail.type,
        approvalId: event.detail.approvalId,
      });
    });
};
