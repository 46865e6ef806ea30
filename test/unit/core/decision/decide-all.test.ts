// decideAll over the parts of one request: the strictest answer wins, and parts that each need an
// approval get one approval that satisfies them all, or a block when their groups differ.
import {
  type ApprovalRequirement,
  type Decision,
  decideAll,
} from '../../../../lambdas/core/decision/decision.js';
import { demoConnection, principal } from '../../../support/core-fixtures.js';

const held = (id: string, approval: ApprovalRequirement): Decision => ({
  outcome: 'approval_required',
  rule: id,
  reason: `${id} needs approval.`,
  hint: undefined,
  policyIds: [id],
  policyVersion: 'v1',
  approval,
});
const allow: Decision = {
  outcome: 'allow',
  rule: 'read',
  reason: 'ok',
  hint: undefined,
  policyIds: ['read'],
  policyVersion: 'v1',
};

const decide = (...answers: Decision[]) =>
  decideAll(
    answers.map((_, i) => ({
      principal: principal('agent'),
      action: 'sql:write',
      resource: demoConnection,
      context: {},
      label: `S${i}`,
    })),
    (q) => answers[Number(q.label.slice(1))]!,
    'v1',
  );

describe('decideAll', () => {
  it('combines the approvals of parts held by one group: the strictest of each requirement', () => {
    const decision = decide(
      allow,
      held('orders', { group: 'reviewers', ttlSeconds: 3600, quorum: 1 }),
      held('payroll', {
        group: 'reviewers',
        ttlSeconds: 600,
        quorum: 2,
        justificationRequired: true,
        maxAffectedRows: 1,
      }),
    );
    expect(decision).toMatchObject({
      outcome: 'approval_required',
      policyIds: ['orders', 'payroll'],
      approval: {
        group: 'reviewers',
        ttlSeconds: 600,
        quorum: 2,
        justificationRequired: true,
        maxAffectedRows: 1,
      },
    });
  });

  it('blocks parts that need the approvals of different groups', () => {
    const decision = decide(
      held('orders', { group: 'reviewers', ttlSeconds: 3600, quorum: 1 }),
      held('payroll', { group: 'finance', ttlSeconds: 3600, quorum: 2 }),
    );
    expect(decision).toMatchObject({ outcome: 'block', rule: 'approvals-of-several-groups' });
  });
});
