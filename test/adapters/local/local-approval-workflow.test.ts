// The local engine runs the state machine definition the stack deploys: each path of it (approved,
// denied, expired by TimeoutSecondsPath, a failed task) reaches the task it should, and a stopping
// gateway runs no task at all.
import { LocalApprovalWorkflow } from '../../../lambdas/adapters/local/local-approval-workflow.js';
import type { ApprovalTask } from '../../../lambdas/core/approval/workflow-definition.js';
import { approvalWorkflowDefinition } from '../../../lambdas/core/approval/workflow-definition.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:tollgate-test-approval-tasks';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

const engine = (behaviour: (task: ApprovalTask) => Promise<unknown> = async () => ({ status: 'ok' })) => {
  const tasks: ApprovalTask[] = [];
  let token: string | undefined;
  const workflow = new LocalApprovalWorkflow({
    definition: approvalWorkflowDefinition(ARN),
    runTask: async (task) => {
      tasks.push(task);
      if (task.task === 'notify') token = task.taskToken;
      return behaviour(task);
    },
    logger: silent,
  });
  const until = async (done: () => boolean, ms = 5000) => {
    for (const end = Date.now() + ms; !done(); ) {
      if (Date.now() > end) throw new Error(`waited for ${JSON.stringify(tasks)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const names = () => tasks.map((t) => t.task);
  return { workflow, tasks, names, until, token: () => token! };
};

describe('LocalApprovalWorkflow', () => {
  it('runs Execute once the waiting task is approved', async () => {
    const e = engine();
    await e.workflow.start({ approvalId: 'a-1', ttlSeconds: 60 });
    await e.until(() => e.names().includes('notify'));
    await e.workflow.approved(e.token());
    await e.until(() => e.names().includes('execute'));
    expect(e.names()).toEqual(['notify', 'execute']);
    expect(e.tasks[1]).toEqual({ task: 'execute', approvalId: 'a-1' });
  });

  it('records the denial and runs nothing', async () => {
    const e = engine();
    await e.workflow.start({ approvalId: 'a-2', ttlSeconds: 60 });
    await e.until(() => e.names().includes('notify'));
    await e.workflow.denied(e.token());
    await e.until(() => e.names().includes('denied'));
    expect(e.names()).toEqual(['notify', 'denied']);
  });

  it('expires after the approval’s TTL (TimeoutSecondsPath), and a late decision finds no task', async () => {
    const e = engine();
    await e.workflow.start({ approvalId: 'a-3', ttlSeconds: 1 });
    await e.until(() => e.names().includes('expire'), 4000);
    expect(e.names()).toEqual(['notify', 'expire']);
    await expect(e.workflow.approved(e.token())).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
  });

  it('records a failure when the notification task or the execution fails, with the error’s name', async () => {
    const e = engine(async (task) => {
      if (task.task === 'execute') throw Object.assign(new Error('taken'), { name: 'ExecutionTaken' });
      return {};
    });
    await e.workflow.start({ approvalId: 'a-4', ttlSeconds: 60 });
    await e.until(() => e.names().includes('notify'));
    await e.workflow.approved(e.token());
    await e.until(() => e.names().includes('fail'));
    expect(e.tasks.at(-1)).toEqual({ task: 'fail', approvalId: 'a-4', error: 'ExecutionTaken' });

    const n = engine(async (task) => {
      if (task.task === 'notify') throw new Error('store down');
      return {};
    });
    await n.workflow.start({ approvalId: 'a-5', ttlSeconds: 60 });
    await n.until(() => n.names().includes('fail'));
    expect(n.names()).toEqual(['notify', 'fail']);
  });

  it('runs no task once stopping: the approval is left for the next start to resume', async () => {
    const e = engine();
    await e.workflow.start({ approvalId: 'a-6', ttlSeconds: 60 });
    await e.until(() => e.names().includes('notify'));
    e.workflow.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(e.names()).toEqual(['notify']);
  });
});
