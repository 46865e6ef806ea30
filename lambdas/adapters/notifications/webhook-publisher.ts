// An EventPublisher posting each event to a Slack incoming webhook. The webhook's URL is a secret
// (whoever has it can post to the channel): no error message says it, or what the server answered.
import type { ApprovalEvent, EventPublisher } from '../../core/ports.js';
import { slackMessage } from './slack-message.js';

export interface WebhookPublisherOptions {
  readonly url: string;
  /** The gateway's base URL, for the link reviewers decide at. @default - no link, the CLI only */
  readonly gatewayUrl?: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** @default - the global fetch */
  readonly fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 5000;

const httpUrl = (value: string, what: string): URL => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`the ${what} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`the ${what} is not an http(s) URL`);
  return url;
};

export class WebhookPublisher implements EventPublisher {
  private readonly url: URL;
  private readonly gatewayUrl: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: WebhookPublisherOptions) {
    this.url = httpUrl(options.url, 'webhook URL');
    this.gatewayUrl =
      options.gatewayUrl === undefined
        ? undefined
        : httpUrl(options.gatewayUrl, 'gateway URL').href.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetch = options.fetch ?? fetch;
  }

  async publish(event: ApprovalEvent): Promise<void> {
    let response: Response;
    try {
      response = await this.fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(slackMessage(event, this.gatewayUrl)),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new Error(
        `the webhook did not answer the ${event.type} event: ${failureOf(error, this.timeoutMs)}`,
      );
    }
    // Not read: Slack's answer is a word or two, and an echo of our text is no diagnostic.
    await response.body?.cancel();
    if (!response.ok) throw new Error(`the webhook answered ${response.status} to the ${event.type} event`);
  }
}

/** Why fetch failed, without its error (whose message or cause may hold the URL). */
const failureOf = (error: unknown, timeoutMs: number): string => {
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: { code?: unknown } };
  if (name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return typeof cause?.code === 'string' ? cause.code : 'the request failed';
};
