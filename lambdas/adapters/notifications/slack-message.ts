// The Slack message (incoming webhook, mrkdwn) of an approval event: what happened, who asks and
// for whom, the masked request, the justification, the impact preview, the expiry, the quorum and
// how to decide.
//
// The justification, the request text and the subs come from the agent. In mrkdwn every link,
// mention and broadcast is written between < and > (`<!channel>`, `<@U123>`, `<#C123>`,
// `<!subteam^S1>`, `<https://x|text>`), so escaping & < > (Slack's own rule) leaves an agent no
// markup of that kind; backticks become ˋ so that none closes the code span or block the text sits
// in, and in code nothing is bold, italic or a quote. Every value not written here goes through
// `slackText`; only this file's own wording is markup.
import type { ApprovalEvent } from '../../core/ports.js';

const REQUEST_CHARS = 1500;
const JUSTIFICATION_CHARS = 1000;
const SHORT_CHARS = 200;

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '`': 'ˋ' };

/** `text` inert in mrkdwn, cut with an ellipsis so that it is at most `max` characters escaped. */
export const slackText = (text: string, max = Number.POSITIVE_INFINITY): string => {
  const pieces = Array.from(text, (ch) => ESCAPES[ch] ?? ch);
  const whole = pieces.join('');
  if (whole.length <= max) return whole;
  let cut = '';
  for (const piece of pieces) {
    if (cut.length + piece.length > max - 1) break;
    cut += piece;
  }
  return `${cut}…`;
};

/** A short value in a code span, on one line. */
const code = (text: string) => `\`${slackText(text.replace(/\s+/g, ' ').trim(), SHORT_CHARS) || ' '}\``;
const codeBlock = (text: string, max: number) => `\`\`\`${slackText(text, max)}\`\`\``;

/** A link to a URL of the operator's configuration (never the agent's). */
const link = (url: string) => `<${url.replace(/[|<>]/g, encodeURIComponent).replaceAll('&', '&amp;')}>`;

/** Shown in each reader's own time zone, the ISO time where Slack cannot format it. */
const time = (iso: string) => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return slackText(iso, SHORT_CHARS);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} at {time}|${new Date(ms).toISOString()}>`;
};

const HEADINGS: Readonly<Record<ApprovalEvent['type'], string>> = {
  'approval.requested': ':hourglass_flowing_sand: Approval requested',
  'approval.approved': ':white_check_mark: Approved',
  'approval.denied': ':no_entry: Denied',
  'approval.expired': ':alarm_clock: Expired without a decision',
  'request.executed': ':heavy_check_mark: Approved request executed',
  'request.failed': ':x: Approved request failed',
};

const preview = (event: ApprovalEvent) => {
  if (!event.preview) return 'none (the target gives no estimate)';
  const rows =
    event.preview.estimatedRows === null ? 'an unknown number of' : `~${event.preview.estimatedRows}`;
  const tables = event.preview.tablesWritten.map(code).join(', ') || 'no table named';
  return `${rows} rows; writes ${tables}`;
};

const howToDecide = (event: ApprovalEvent, gatewayUrl: string | undefined) => {
  const id = slackText(event.approvalId, SHORT_CHARS);
  const commands = [
    `tollgate approvals approve ${id} --reason "..."`,
    `tollgate approvals deny ${id} --reason "..."`,
  ];
  const url = gatewayUrl && `${gatewayUrl}/v1/approvals/${encodeURIComponent(event.approvalId)}`;
  return `*To decide*\n\`\`\`${commands.join('\n')}\`\`\`${url ? `\nor ${link(url)}` : ''}`;
};

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly object[];
}

/** The message for `event`; `gatewayUrl` (no trailing slash) adds the link reviewers decide at. */
export const slackMessage = (event: ApprovalEvent, gatewayUrl?: string): SlackMessage => {
  const heading = HEADINGS[event.type];
  const fields = [
    `*Requester*\n${code(event.requester.sub)}`,
    `*Acts for*\n${event.requester.actsFor === null ? '_nobody_' : code(event.requester.actsFor)}`,
    `*Connection*\n${code(event.connection)}`,
    `*Status*\n${code(event.status)}`,
    `*Expires*\n${time(event.expiresAt)}`,
    `*Quorum*\n${event.quorum} from ${event.groups.map(code).join(' or ')}`,
  ];
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: `Tollgate: ${heading}`, emoji: true } },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
    section(`*Request* (literals masked)\n${codeBlock(event.request, REQUEST_CHARS)}`),
    section(
      `*Justification*\n${event.justification === null ? '_none given_' : codeBlock(event.justification, JUSTIFICATION_CHARS)}`,
    ),
    section(`*Impact preview*: ${preview(event)}`),
  ];
  if (event.decidedBy) {
    blocks.push(
      section(
        `*Decided by* ${code(event.decidedBy.sub)}\n${codeBlock(event.decidedBy.reason, SHORT_CHARS * 2)}`,
      ),
    );
  }
  if (event.code) blocks.push(section(`*Outcome*: ${code(event.code)}`));
  if (event.type === 'approval.requested') blocks.push(section(howToDecide(event, gatewayUrl)));
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Approval ${code(event.approvalId)}` }],
  });
  const text = `Tollgate: ${heading}: ${slackText(event.connection, SHORT_CHARS)} request by ${slackText(event.requester.sub, SHORT_CHARS)}`;
  return { text, blocks };
};
