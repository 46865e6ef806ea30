// A local HTTP server standing in for a Slack incoming webhook: it keeps what was posted and
// answers with the status (and after the delay) a test sets.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
}

export interface WebhookServer {
  /** The URL to post to, with a secret-looking path as Slack's have. */
  readonly url: string;
  readonly received: ReceivedPost[];
  answer(status: number, body?: string, delayMs?: number): void;
  stop(): Promise<void>;
}

export const WEBHOOK_PATH = '/services/T000/B000/s3cr3tWebhookPath';

export const startWebhookServer = async (): Promise<WebhookServer> => {
  const received: ReceivedPost[] = [];
  let reply = { status: 200, body: 'ok', delayMs: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method,
        path: request.url,
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const { status, body, delayMs } = reply;
      setTimeout(() => response.writeHead(status, { 'content-type': 'text/plain' }).end(body), delayMs);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    received,
    answer: (status, body = '', delayMs = 0) => {
      reply = { status, body, delayMs };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
