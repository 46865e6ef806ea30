// What the approval use cases need beyond the pipeline's own dependencies.
import type { ApprovalStore, ApprovalWorkflow, EventPublisher, Logger, Pause, Sealer } from '../ports.js';

export interface ApprovalDeps {
  readonly store: ApprovalStore;
  /** Seals the exact request at rest; only the executor opens it. */
  readonly sealer: Sealer;
  readonly workflow: ApprovalWorkflow;
  /** EventBridge on AWS; the log and an optional webhook locally. */
  readonly events: EventPublisher;
  readonly logger: Logger;
  /** Waits between reads of a long poll. */
  readonly pause: Pause;
}

/** Members of this group may read every held request and approval (compliance). */
export const AUDITORS = 'auditors';

/** What a sealed request is bound to: it opens only for the approval it was sealed for. */
export const sealContext = (r: { approvalId: string; requestId: string }): Record<string, string> => ({
  approvalId: r.approvalId,
  requestId: r.requestId,
});
