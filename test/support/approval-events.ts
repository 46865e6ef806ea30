// A published approval event as the core builds it, for the publisher and notifier tests.
import type { ApprovalEvent } from '../../lambdas/core/ports.js';

export const APPROVAL_ID = '6f1c2a9e-1111-4b2c-9d3e-000000000001';

export const approvalEvent = (overrides: Partial<ApprovalEvent> = {}): ApprovalEvent => ({
  type: 'approval.requested',
  at: '2026-11-26T10:00:00.000Z',
  approvalId: APPROVAL_ID,
  requestId: 'req-0001',
  connection: 'orders',
  status: 'pending_approval',
  requester: { sub: 'agent-7', actsFor: 'alice' },
  groups: ['reviewers'],
  quorum: 1,
  expiresAt: '2026-11-26T11:00:00.000Z',
  justification: 'Customer asked for a refund of order 1001.',
  request: "UPDATE orders SET status = 'refunded' WHERE id = 1001",
  preview: { estimatedRows: 1, tablesWritten: ['public.orders'] },
  path: `/v1/approvals/${APPROVAL_ID}`,
  ...overrides,
});
