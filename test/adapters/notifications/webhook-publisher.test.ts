// WebhookPublisher against a local HTTP server standing in for Slack: what a reviewer reads, that
// nothing the agent wrote becomes Slack markup, and failures that never reveal the webhook URL.
import { WebhookPublisher } from '../../../lambdas/adapters/notifications/webhook-publisher.js';
import type { ApprovalEvent } from '../../../lambdas/core/ports.js';
import { APPROVAL_ID, approvalEvent } from '../../support/approval-events.js';
import { startWebhookServer, WEBHOOK_PATH, type WebhookServer } from '../../support/webhook-server.js';

interface Posted {
  text: string;
  blocks: Array<{
    type: string;
    text?: { text: string };
    fields?: Array<{ text: string }>;
    elements?: Array<{ text: string }>;
  }>;
}

/** Every text of the message, as Slack would parse it. */
const textsOf = (message: Posted): string[] => [
  message.text,
  ...message.blocks.flatMap((b) => [
    ...(b.text ? [b.text.text] : []),
    ...(b.fields ?? []).map((f) => f.text),
    ...(b.elements ?? []).map((e) => e.text),
  ]),
];
const blockStarting = (message: Posted, heading: string) =>
  message.blocks.find((b) => b.text?.text.startsWith(heading))?.text?.text;
/** The content of the first code block of `text`. */
const codeBlockIn = (text: string | undefined) => /```([\s\S]*)```/.exec(text ?? '')?.[1];

const GATEWAY_URL = 'https://tollgate.example.com/prod';
/** The expiry as Slack formats a date: the only control sequence of ours besides the link. */
const EXPIRY = `<!date^${Date.parse('2026-11-26T11:00:00.000Z') / 1000}^{date_short_pretty} at {time}|2026-11-26T11:00:00.000Z>`;
const DECISION_LINK = `<${GATEWAY_URL}/v1/approvals/${APPROVAL_ID}>`;

describe('WebhookPublisher', () => {
  let server: WebhookServer;
  beforeAll(async () => {
    server = await startWebhookServer();
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.received.length = 0;
    server.answer(200, 'ok');
  });

  const post = async (event: ApprovalEvent, gatewayUrl?: string): Promise<Posted> => {
    await new WebhookPublisher({ url: server.url, ...(gatewayUrl ? { gatewayUrl } : {}) }).publish(event);
    return JSON.parse(server.received.at(-1)!.body) as Posted;
  };

  describe('the message', () => {
    it('is posted as JSON to the webhook URL', async () => {
      await post(approvalEvent());
      expect(server.received).toEqual([
        expect.objectContaining({ method: 'POST', path: WEBHOOK_PATH, contentType: 'application/json' }),
      ]);
    });

    it.each([
      ['approval.requested', /Approval requested/],
      ['approval.approved', /Approved/],
      ['approval.denied', /Denied/],
      ['approval.expired', /Expired/],
      ['request.executed', /executed/],
      ['request.failed', /failed/],
    ] as const)('says what happened: %s', async (type, said) => {
      const message = await post(approvalEvent({ type }));
      expect(message.text).toMatch(said);
      expect(message.blocks[0]).toMatchObject({
        type: 'header',
        text: { type: 'plain_text', text: expect.stringMatching(said) },
      });
    });

    it('names the requester, the person it acts for, the connection, the expiry and the quorum', async () => {
      const message = await post(approvalEvent({ quorum: 2, groups: ['reviewers', 'dba'] }));
      const fields = message.blocks[1]!.fields!.map((f) => f.text);
      expect(fields).toEqual(
        expect.arrayContaining([
          '*Requester*\n`agent-7`',
          '*Acts for*\n`alice`',
          '*Connection*\n`orders`',
          `*Expires*\n${EXPIRY}`,
          '*Quorum*\n2 from `reviewers` or `dba`',
        ]),
      );
    });

    it('says when the agent acts for nobody', async () => {
      const message = await post(approvalEvent({ requester: { sub: 'agent-7', actsFor: null } }));
      expect(message.blocks[1]!.fields!.map((f) => f.text)).toContain('*Acts for*\n_nobody_');
    });

    it('shows the masked request in a code block', async () => {
      const message = await post(
        approvalEvent({ request: 'UPDATE orders SET email = <email> WHERE id = 1' }),
      );
      expect(codeBlockIn(blockStarting(message, '*Request*'))).toBe(
        'UPDATE orders SET email = &lt;email&gt; WHERE id = 1',
      );
    });

    it('cuts a long request to 1,500 characters with an ellipsis', async () => {
      const message = await post(
        approvalEvent({ request: `UPDATE t SET a = 1 WHERE id IN (${'1,'.repeat(2000)}1)` }),
      );
      const shown = codeBlockIn(blockStarting(message, '*Request*'))!;
      expect(shown).toHaveLength(1500);
      expect(shown.endsWith('…')).toBe(true);
    });

    it('cuts after escaping, between entities, so the request stays within the limit', async () => {
      const message = await post(approvalEvent({ request: '<'.repeat(2000) }));
      const shown = codeBlockIn(blockStarting(message, '*Request*'))!;
      expect(shown.length).toBeLessThanOrEqual(1500);
      expect(shown).toMatch(/^(&lt;)+…$/);
    });

    it('shows the justification, or that none was given', async () => {
      const given = await post(approvalEvent());
      expect(codeBlockIn(blockStarting(given, '*Justification*'))).toBe(
        'Customer asked for a refund of order 1001.',
      );
      const none = await post(approvalEvent({ justification: null }));
      expect(blockStarting(none, '*Justification*')).toBe('*Justification*\n_none given_');
    });

    it('shows the impact preview: estimated rows and tables written', async () => {
      const message = await post(
        approvalEvent({ preview: { estimatedRows: 42, tablesWritten: ['public.orders', 'audit.log'] } }),
      );
      expect(blockStarting(message, '*Impact preview*')).toBe(
        '*Impact preview*: ~42 rows; writes `public.orders`, `audit.log`',
      );
    });

    it('says when the planner gave no estimate, or there is no preview', async () => {
      const unknown = await post(approvalEvent({ preview: { estimatedRows: null, tablesWritten: [] } }));
      expect(blockStarting(unknown, '*Impact preview*')).toMatch(
        /unknown number of rows; writes no table named/,
      );
      const none = await post(approvalEvent({ preview: null }));
      expect(blockStarting(none, '*Impact preview*')).toMatch(/none/);
    });

    it('tells reviewers how to approve or deny with the CLI, and where in the gateway', async () => {
      const message = await post(approvalEvent(), GATEWAY_URL);
      const decide = blockStarting(message, '*To decide*')!;
      expect(codeBlockIn(decide)).toBe(
        `tollgate approvals approve ${APPROVAL_ID} --reason "..."\ntollgate approvals deny ${APPROVAL_ID} --reason "..."`,
      );
      expect(decide).toContain(DECISION_LINK);
    });

    it('gives the CLI only when no gateway URL is configured', async () => {
      const message = await post(approvalEvent());
      expect(blockStarting(message, '*To decide*')).not.toContain('<http');
    });

    it('asks for no decision once the approval is decided, and shows who decided and why', async () => {
      const message = await post(
        approvalEvent({
          type: 'approval.denied',
          status: 'denied',
          decidedBy: { sub: 'bob', reason: 'Not during the freeze.' },
        }),
        GATEWAY_URL,
      );
      expect(blockStarting(message, '*To decide*')).toBeUndefined();
      expect(blockStarting(message, '*Decided by*')).toBe('*Decided by* `bob`\n```Not during the freeze.```');
    });

    it('shows the outcome code of a failed request', async () => {
      const message = await post(
        approvalEvent({ type: 'request.failed', status: 'failed', code: 'blast_radius_exceeded' }),
      );
      expect(blockStarting(message, '*Outcome*')).toBe('*Outcome*: `blast_radius_exceeded`');
    });
  });

  describe('what the agent wrote stays text', () => {
    // Slack mrkdwn writes every mention, broadcast, channel link, user-group, date and link between
    // < and >: these are all its forms. None may survive from any field the agent or a person fills.
    const MARKUP = [
      '<!channel>',
      '<!here>',
      '<!everyone>',
      '<@U0123ABCD>',
      '<#C0123ABCD>',
      '<!subteam^S0123ABCD>',
      '<!date^1700000000^{date}|today>',
      '<https://evil.example/login|click here to approve>',
      '<https://evil.example/login>',
      '<mailto:evil@evil.example|security team>',
    ];
    const ATTACK = `ok ${MARKUP.join(' ')} &lt;!channel&gt; \`\`\` *bold* \` end`;

    const everywhere = approvalEvent({
      connection: ATTACK,
      requester: { sub: ATTACK, actsFor: ATTACK },
      groups: [ATTACK],
      justification: ATTACK,
      request: ATTACK,
      preview: { estimatedRows: 1, tablesWritten: [ATTACK] },
      decidedBy: { sub: ATTACK, reason: ATTACK },
      code: ATTACK,
    });

    it.each(['approval.requested', 'approval.denied', 'request.failed'] as const)(
      'leaves no control sequence but the expiry and the decision link (%s)',
      async (type) => {
        const message = await post({ ...everywhere, type }, GATEWAY_URL);
        const ours = type === 'approval.requested' ? [EXPIRY, DECISION_LINK] : [EXPIRY];
        const texts = textsOf(message).join('\n');
        for (const sequence of ours) expect(texts).toContain(sequence);
        // With our own sequences taken out, no < or > is left to open or close one.
        expect(ours.reduce((rest, sequence) => rest.replaceAll(sequence, ''), texts)).not.toMatch(/[<>]/);
      },
    );

    it('escapes & < > as Slack asks, so an entity the agent wrote shows as written', async () => {
      const message = await post(approvalEvent({ justification: '<!channel> &lt;!here&gt;' }));
      expect(codeBlockIn(blockStarting(message, '*Justification*'))).toBe(
        '&lt;!channel&gt; &amp;lt;!here&amp;gt;',
      );
    });

    it('keeps the agent from closing a code block: its backticks are not backticks', async () => {
      const message = await post(everywhere);
      for (const heading of ['*Request*', '*Justification*', '*Decided by*']) {
        const text = blockStarting(message, heading)!;
        expect(text.match(/```/g)).toHaveLength(2);
        expect(codeBlockIn(text)).not.toContain('`');
      }
    });

    it('keeps the agent from closing a code span: short values are one span each', async () => {
      const message = await post(everywhere);
      for (const field of message.blocks[1]!.fields!.map((f) => f.text)) {
        if (field.startsWith('*Expires*')) continue;
        expect(field).toMatch(/^\*[A-Za-z ]+\*\n(\d+ from )?`[^`\n]*`$/);
      }
    });

    it('escapes the notification text too', async () => {
      const message = await post(everywhere);
      expect(message.text).not.toMatch(/[<>`]/);
    });
  });

  describe('failures', () => {
    it.each([404, 500])(
      'throws on a %d answer with the status only, never the body or the URL',
      async (status) => {
        server.answer(status, 'invalid_token: echo of s3cr3tWebhookPath');
        const error = await new WebhookPublisher({ url: server.url })
          .publish(approvalEvent())
          .catch((e: Error) => e);
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toBe(
          `the webhook answered ${status} to the approval.requested event`,
        );
        expect(JSON.stringify({ m: (error as Error).message, s: (error as Error).stack })).not.toMatch(
          /s3cr3t|127\.0\.0\.1/,
        );
      },
    );

    it('gives up after the timeout, without the URL in the error', async () => {
      server.answer(200, 'ok', 1000);
      const publishing = new WebhookPublisher({ url: server.url, timeoutMs: 50 }).publish(approvalEvent());
      const error = (await publishing.catch((e: Error) => e)) as Error;
      expect(error.message).toMatch(/no answer within 50 ms/);
      expect(error.message).not.toContain(WEBHOOK_PATH);
    });

    it('reports a webhook it cannot reach by the network error code, without the URL', async () => {
      const closed = await startWebhookServer();
      await closed.stop();
      const error = (await new WebhookPublisher({ url: closed.url })
        .publish(approvalEvent())
        .catch((e: Error) => e)) as Error;
      expect(error.message).toMatch(/ECONNREFUSED/);
      expect(error.message).not.toContain(WEBHOOK_PATH);
      expect(error.cause).toBeUndefined();
    });

    it('refuses a webhook URL that is not http(s), without quoting it', () => {
      expect(() => new WebhookPublisher({ url: 'hooks.slack.com/services/s3cr3t' })).toThrow(
        /^the webhook URL is not a URL$/,
      );
      expect(() => new WebhookPublisher({ url: 'ftp://hooks.slack.com/services/s3cr3t' })).toThrow(
        /not an http\(s\) URL$/,
      );
    });
  });
});
