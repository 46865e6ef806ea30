// Lambda entry: the approval workflow's tasks (notify, execute, denied, expire, fail). Invoked by
// the state machine only; it alone may read the connections' write credentials and open sealed
// requests. Built once per cold start.
import { createApprovalTasksHandler } from '../handlers/approval-tasks-handler.js';
import { awsApprovalTasks } from '../wiring/aws-approval-tasks.js';

export const handler = createApprovalTasksHandler(await awsApprovalTasks(process.env));
