// Approval adapters in memory, for core tests: a store with the DynamoDB store's conditional
// semantics, a workflow that notes what it was sent, events collected.
import type { ApprovalRecord, RequestStatus } from '../../lambdas/core/approval/approval.js';
import type { ApprovalDeps } from '../../lambdas/core/approval/deps.js';
import type { ApprovalEvent, ApprovalStore, ApprovalWorkflow, Sealer } from '../../lambdas/core/ports.js';

export class InMemoryApprovalStore implements ApprovalStore {
  readonly records = new Map<string, ApprovalRecord>();
  readonly sealed = new Map<string, string>();
  readonly tokens = new Map<string, string>();

  async create(record: ApprovalRecord, sealedRequest: string) {
    if (this.records.has(record.approvalId)) throw new Error('exists');
    this.sealed.set(record.approvalId, sealedRequest);
    this.records.set(record.approvalId, structuredClone(record));
  }
  async get(id: string) {
    const r = this.records.get(id);
    return r && structuredClone(r);
  }
  async byRequest(requestId: string) {
    const r = [...this.records.values()].find((x) => x.requestId === requestId);
    return r && structuredClone(r);
  }
  async list(status: RequestStatus, limit: number) {
    return [...this.records.values()].filter((r) => r.status === status).slice(0, limit);
  }
  async update(next: ApprovalRecord) {
    const current = this.records.get(next.approvalId);
    if (!current || current.revision !== next.revision - 1) return 'conflict' as const;
    this.records.set(next.approvalId, structuredClone(next));
    return 'stored' as const;
  }
  async sealedRequest(id: string) {
    return this.sealed.get(id);
  }
  async dropSealedRequest(id: string) {
    this.sealed.delete(id);
  }
  async saveTaskToken(id: string, token: string) {
    this.tokens.set(id, token);
  }
  async taskToken(id: string) {
    return this.tokens.get(id);
  }
}

/** A workflow that notes starts and decisions; `failStart` makes start throw. */
export class NotingWorkflow implements ApprovalWorkflow {
  readonly started: { approvalId: string; ttlSeconds: number }[] = [];
  readonly sent: { token: string; decision: 'approved' | 'denied' }[] = [];
  failStart = false;
  async start(input: { approvalId: string; ttlSeconds: number }) {
    if (this.failStart) throw new Error('StartExecution failed');
    this.started.push(input);
  }
  async approved(token: string) {
    this.sent.push({ token, decision: 'approved' });
  }
  async denied(token: string) {
    this.sent.push({ token, decision: 'denied' });
  }
}

/** Seals by a reversible transform bound to the context (tests only: no secrecy). */
export const testSealer: Sealer = {
  seal: async (text, context) => `sealed:${JSON.stringify(context)}:${Buffer.from(text).toString('base64')}`,
  open: async (sealed, context) => {
    const prefix = `sealed:${JSON.stringify(context)}:`;
    if (!sealed.startsWith(prefix)) throw new Error('wrong context');
    return Buffer.from(sealed.slice(prefix.length), 'base64').toString();
  },
};

export const inMemoryApprovals = () => {
  const store = new InMemoryApprovalStore();
  const workflow = new NotingWorkflow();
  const events: ApprovalEvent[] = [];
  const logged: string[] = [];
  const approvals: ApprovalDeps = {
    store,
    sealer: testSealer,
    workflow,
    events: { publish: async (e) => void events.push(e) },
    logger: { info: () => undefined, warn: (m) => void logged.push(m), error: (m) => void logged.push(m) },
    pause: async () => undefined,
  };
  return { approvals, store, workflow, events, logged };
};
