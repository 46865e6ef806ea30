// The ApprovalWorkflow on Step Functions: one execution per approval, named after it, and the
// reviewers' decision sent to its waiting task with the task token.
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DENIED_ERROR } from '../../core/approval/workflow-definition.js';
import type { ApprovalWorkflow } from '../../core/ports.js';

export interface SfnApprovalWorkflowOptions {
  readonly client: SFNClient;
  readonly stateMachineArn: string;
}

/** What Step Functions accepts as an execution name. */
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * Step Functions refused a decision. Carries the service's error name (`TaskTimedOut`,
 * `TaskDoesNotExist`, `InvalidToken`…) and its message with the task token taken out: the token
 * must reach no log, and the service's error (kept nowhere here) may quote it.
 */
export class TaskDecisionError extends Error {
  override readonly name = 'TaskDecisionError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class SfnApprovalWorkflow implements ApprovalWorkflow {
  constructor(private readonly options: SfnApprovalWorkflowOptions) {}

  async start(input: { readonly approvalId: string; readonly ttlSeconds: number }): Promise<void> {
    if (!EXECUTION_NAME.test(input.approvalId)) {
      throw new Error('an approval id must be at most 80 letters, digits, - or _ to name its execution');
    }
    try {
      await this.options.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.options.stateMachineArn,
          name: input.approvalId,
          // At $.Payload, where the definition reads it (see workflow-definition.ts).
          input: JSON.stringify({ Payload: { approvalId: input.approvalId, ttlSeconds: input.ttlSeconds } }),
        }),
      );
    } catch (error) {
      // The name is the approval's: an execution by that name is this approval's, started by an
      // earlier attempt of this call (Step Functions answers so once it has ended, too).
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return;
      throw error;
    }
  }

  async approved(taskToken: string): Promise<void> {
    await this.decide(taskToken, () =>
      this.options.client.send(
        new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approved: true }) }),
      ),
    );
  }

  async denied(taskToken: string): Promise<void> {
    await this.decide(taskToken, () =>
      this.options.client.send(
        new SendTaskFailureCommand({ taskToken, error: DENIED_ERROR, cause: 'Denied by a reviewer.' }),
      ),
    );
  }

  private async decide(taskToken: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      const code = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message.replaceAll(taskToken, '<task token>') : '';
      throw new TaskDecisionError(code, `Step Functions refused the decision (${code}): ${message}`);
    }
  }
}
