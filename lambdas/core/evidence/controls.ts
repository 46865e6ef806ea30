// The SOC 2 control map of an evidence bundle: for each Trust Services Criterion the gateway
// supports, what the control is in plain words, which files of the bundle show it, and the
// period's figures. Written for an auditor, not for an engineer.
import type { SessionEvent } from '../recording/events.js';

export interface ControlEntry {
  readonly id: string;
  readonly title: string;
  /** What the gateway does for this criterion, and how the files show it. */
  readonly text: string;
  /** Files or folders of the bundle that support it. */
  readonly evidence: readonly string[];
  readonly figures: Readonly<Record<string, number>>;
}

export interface ControlInput {
  readonly from: string;
  readonly to: string;
  readonly sessions: number;
  readonly events: readonly SessionEvent[];
  readonly approvals: number;
  readonly checkpoints: number;
  /** Config files written (policy and connection versions). */
  readonly configFiles: readonly string[];
}

const countWhere = (events: readonly SessionEvent[], test: (e: SessionEvent) => boolean) =>
  events.reduce((n, e) => n + (test(e) ? 1 : 0), 0);

export const controlMap = (input: ControlInput): ControlEntry[] => {
  const { events } = input;
  const inPeriod = events.filter((e) => e.at >= input.from && e.at <= input.to);
  const received = inPeriod.filter((e) => e.type === 'request.received');
  const decided = inPeriod.filter((e) => e.type === 'request.decided');
  const outcome = (o: string) => countWhere(decided, (e) => e.data.outcome === o);
  const principals = new Set(received.map((e) => (e.data.principal as { sub?: string } | null)?.sub ?? ''));
  const actingFor = countWhere(received, (e) =>
    Boolean((e.data.principal as { actsFor?: unknown } | null)?.actsFor),
  );
  const masked = inPeriod
    .filter((e) => e.type === 'request.completed')
    .reduce((n, e) => {
      const detected = (e.data.masking as { detected?: Record<string, number> } | undefined)?.detected ?? {};
      return n + Object.values(detected).reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0);
    }, 0);
  const decisions = inPeriod.filter((e) => e.type === 'approval.decided');
  const configChanges = countWhere(
    inPeriod,
    (e) => e.type === 'policy.changed' || e.type === 'connections.changed',
  );
  const policyFiles = input.configFiles.filter((f) => f.startsWith('config/policies/'));
  const connectionFiles = input.configFiles.filter((f) => f.startsWith('config/connections/'));
  return [
    {
      id: 'CC6.1',
      title: 'Logical access: every request is tied to an authenticated identity',
      text:
        'The gateway refuses any request without a valid OIDC token from a configured issuer, and records the ' +
        'principal (subject, issuer, groups, token id) and the person an agent acts for with every request, before ' +
        'the request reaches a database. The segments hold those records; the checkpoints prove none was removed.',
      evidence: ['segments/', 'checkpoints/', 'manifest.json'],
      figures: { requests: received.length, principals: principals.size, onBehalfOfAPerson: actingFor },
    },
    {
      id: 'CC6.2',
      title: 'Access is granted per connection, to named groups',
      text:
        'Each connection names the groups that may use it; a principal outside them is refused as if the ' +
        'connection did not exist. The connection versions in force during the period, with who pushed each, are ' +
        'in config/.',
      evidence: ['config/connections/', 'config/versions.json'],
      figures: { connectionVersions: connectionFiles.length },
    },
    {
      id: 'CC6.3',
      title: 'Least privilege: every statement is decided by a versioned policy',
      text:
        'Every SQL statement is analysed by the database engine’s own parser and decided by Cedar policies; the ' +
        'decision, the policies that determined it and the policy version are recorded with the request. The ' +
        'policy versions in force are in config/policies/.',
      evidence: ['segments/', 'config/policies/', 'config/versions.json'],
      figures: {
        decisions: decided.length,
        allowed: outcome('allow'),
        denied: outcome('deny'),
        blocked: outcome('block'),
        heldForApproval: outcome('approval_required'),
        policyFiles: policyFiles.length,
      },
    },
    {
      id: 'CC6.6',
      title: 'Protection at the boundary: destructive statements blocked, sensitive data masked',
      text:
        'Statements a policy forbids are blocked before the database sees them, and the analysis fails closed: ' +
        'what cannot be parsed does not run. Classified columns and values found by detectors are masked in ' +
        'results before they reach the agent or any log; the recordings count what was masked, per data class.',
      evidence: ['segments/', 'report.html'],
      figures: { blocked: outcome('block'), maskedValues: masked },
    },
    {
      id: 'CC7.2',
      title: 'Monitoring: a complete, tamper-evident record of activity',
      text:
        'Every request, decision, approval and outcome is an event in a per-session hash chain, stored before the ' +
        'database is reached, archived to write-once storage (S3 Object Lock) and covered by signed checkpoints. ' +
        'Editing, removing, reordering or dropping any event, segment or session breaks a hash or a signature, ' +
        'which `tollgate evidence verify` reports. Reads of recordings are themselves recorded (the access audit session).',
      evidence: ['segments/', 'checkpoints/', 'keys/', 'manifest.json', 'manifest.sig'],
      figures: { sessions: input.sessions, events: inPeriod.length, checkpoints: input.checkpoints },
    },
    {
      id: 'CC8.1',
      title: 'Change management: configuration changes and risky requests are authorised and recorded',
      text:
        'Policy and connection changes are pushed as new immutable versions, recorded with who pushed them and ' +
        'their digest before they take effect. Writes a policy marks as risky wait for a reviewer’s approval (the ' +
        'requester cannot approve their own), then run at most once; approvals.json lists who requested, who ' +
        'decided, when and why.',
      evidence: ['approvals.json', 'config/versions.json', 'segments/'],
      figures: {
        approvals: input.approvals,
        approved: countWhere(decisions, (e) => e.data.verdict === 'approve'),
        refused: countWhere(decisions, (e) => e.data.verdict === 'deny'),
        configurationChanges: configChanges,
      },
    },
  ];
};

export const controlsMarkdown = (controls: readonly ControlEntry[], from: string, to: string): string =>
  [
    `# SOC 2 control map`,
    '',
    `Period: ${from} to ${to}.`,
    '',
    ...controls.flatMap((c) => [
      `## ${c.id} — ${c.title}`,
      '',
      c.text,
      '',
      `Evidence: ${c.evidence.map((e) => `\`${e}\``).join(', ')}`,
      '',
      ...Object.entries(c.figures).map(([name, value]) => `- ${name}: ${value}`),
      '',
    ]),
  ].join('\n');
