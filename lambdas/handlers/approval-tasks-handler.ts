// The approval workflow's function: every task state invokes it with `{ task, approvalId, ... }`
// (lambdas/core/approval/workflow-definition.ts). Thin: the payload checked, the task run. A task
// that must fail throws, and the state machine's catchers record it.
import type { ApprovalTask } from '../core/approval/workflow-definition.js';
import type { Logger } from '../core/ports.js';

const TASKS = new Set(['notify', 'execute', 'denied', 'expire', 'fail']);

/** The payload as a task, or undefined when it is not one. */
export const taskOf = (payload: unknown): ApprovalTask | undefined => {
  const p = payload as Record<string, unknown> | null;
  if (p === null || typeof p !== 'object' || typeof p.task !== 'string' || !TASKS.has(p.task))
    return undefined;
  if (typeof p.approvalId !== 'string' || p.approvalId.length === 0) return undefined;
  if (p.task === 'notify' && typeof p.taskToken !== 'string') return undefined;
  if (p.task === 'fail' && typeof p.error !== 'string') return undefined;
  return p as unknown as ApprovalTask;
};

export const createApprovalTasksHandler =
  (deps: { run: (task: ApprovalTask) => Promise<unknown>; logger: Logger }) =>
  async (payload: unknown): Promise<unknown> => {
    const task = taskOf(payload);
    if (!task) throw new Error('not an approval task');
    // The token stays out of the log, as everywhere.
    deps.logger.info('approval task', { task: task.task, approvalId: task.approvalId });
    return deps.run(task);
  };
