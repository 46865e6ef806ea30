// The approval workflow in local mode: the state machine definition the stack deploys, run by
// aws-local-stepfunctions in this process with the same task code the approval-tasks function runs.
// The engine has no task tokens of its own (nor SendTaskSuccess): the waiting task's handler parks
// a promise under a token made here, and `approved` / `denied` settle it. Executions live in
// memory: on start, the gateway resumes the approvals still open (lambdas/wiring/local.ts).
import { randomUUID } from 'node:crypto';
import { type ApprovalTask, DENIED_ERROR, STATES } from '../../core/approval/workflow-definition.js';
import type { ApprovalWorkflow, Logger } from '../../core/ports.js';

// The engine uses Promise.withResolvers (Node 22); Node 20 lacks it.
if (!('withResolvers' in Promise)) {
  Object.defineProperty(Promise, 'withResolvers', {
    value: <T>() => {
      let resolve!: (value: T) => void;
      let reject!: (reason: unknown) => void;
      const promise = new Promise<T>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      return { promise, resolve, reject };
    },
  });
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface LocalApprovalWorkflowOptions {
  /** `approvalWorkflowDefinition(...)`: the definition the stack deploys. */
  readonly definition: { [k: string]: Json };
  /** The approval-tasks function's work: what every task state invokes. */
  readonly runTask: (task: ApprovalTask) => Promise<unknown>;
  readonly logger: Logger;
}

interface Parked {
  resolve(output: Json): void;
  reject(error: Error): void;
}

/** The error a Lambda task fails with, named as the States language matches it. */
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

export class LocalApprovalWorkflow implements ApprovalWorkflow {
  private readonly parked = new Map<string, Parked>();
  private readonly running = new Set<{ abort(): void; result: Promise<unknown> }>();
  private stopping = false;

  constructor(private readonly options: LocalApprovalWorkflowOptions) {}

  async start(input: { readonly approvalId: string; readonly ttlSeconds: number }): Promise<void> {
    const { StateMachine } = await import('aws-local-stepfunctions');
    const machine = new StateMachine(this.options.definition as never, {
      validationOptions: { checkArn: false },
    });
    const taskToken = `local-${randomUUID()}`;
    const { approvalId } = input;
    // Once stopping, no task runs: the approval stays as it is, for the next start to resume.
    const invoke = (task: ApprovalTask) => async () =>
      this.stopping ? { Payload: null } : { Payload: (await this.options.runTask(task)) as Json };
    const execution = machine.run(
      { Payload: { approvalId, ttlSeconds: input.ttlSeconds } },
      {
        context: { Execution: { Id: `local:${approvalId}` }, Task: { Token: taskToken } },
        overrides: {
          taskResourceLocalHandlers: {
            [STATES.await]: () =>
              new Promise<Json>((resolve, reject) => {
                this.parked.set(taskToken, { resolve, reject });
                if (this.stopping) return;
                // The notification task runs while the state waits; its failure fails the state.
                this.options.runTask({ task: 'notify', approvalId, taskToken }).catch((error: unknown) => {
                  this.parked.delete(taskToken);
                  reject(error instanceof Error ? error : new Error(String(error)));
                });
              }),
            [STATES.execute]: invoke({ task: 'execute', approvalId }),
            [STATES.denied]: invoke({ task: 'denied', approvalId }),
            [STATES.expired]: invoke({ task: 'expire', approvalId }),
            [STATES.failed]: (state: Json) => invoke({ task: 'fail', approvalId, error: errorOf(state) })(),
          },
        },
      },
    );
    const entry = { abort: () => execution.abort(), result: execution.result };
    this.running.add(entry);
    execution.result
      .catch((error: unknown) =>
        this.stopping
          ? undefined
          : this.options.logger.error('approval workflow failed', {
              approvalId,
              error: error instanceof Error ? error.message : 'unknown',
            }),
      )
      .finally(() => {
        this.parked.delete(taskToken);
        this.running.delete(entry);
      });
  }

  async approved(taskToken: string): Promise<void> {
    this.take(taskToken).resolve({ approved: true });
  }

  async denied(taskToken: string): Promise<void> {
    this.take(taskToken).reject(named(DENIED_ERROR, 'Denied by a reviewer.'));
  }

  /** Stops every execution (the gateway is stopping); open approvals resume at the next start. */
  stop(): void {
    this.stopping = true;
    for (const execution of this.running) execution.abort();
    // Settles the waiting states, which clears the engine's timers for them.
    for (const parked of this.parked.values()) parked.reject(new Error('the gateway is stopping'));
    this.parked.clear();
  }

  private take(taskToken: string): Parked {
    const parked = this.parked.get(taskToken);
    // As SendTaskSuccess answers for a task that timed out or never was.
    if (!parked) throw named('TaskDoesNotExist', 'No workflow task waits for this token.');
    this.parked.delete(taskToken);
    return parked;
  }
}

/** The error name a failed state's catcher put under `$.error` (RecordFailed's input). */
const errorOf = (state: Json): string => {
  const payload = (state as { Payload?: { error?: unknown } } | null)?.Payload;
  return typeof payload?.error === 'string' ? payload.error : 'States.TaskFailed';
};
