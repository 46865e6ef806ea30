// SfnApprovalWorkflow: one execution per approval, named after it (a retried start is no second
// one), and decisions sent with the task token, which no error ever quotes.
import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  SfnApprovalWorkflow,
  TaskDecisionError,
} from '../../../lambdas/adapters/aws/sfn-approval-workflow.js';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:tollgate-approvals';
const APPROVAL_ID = '6f1c2a9e-1111-4b2c-9d3e-000000000001';
const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAe1Xh0Zt-secret-task-token';

const rejectionOf = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
};

describe('SfnApprovalWorkflow', () => {
  const sfnMock = mockClient(SFNClient);
  const workflow = new SfnApprovalWorkflow({
    client: new SFNClient({ region: 'eu-west-1' }),
    stateMachineArn: STATE_MACHINE_ARN,
  });

  afterEach(() => sfnMock.reset());
  afterAll(() => sfnMock.restore());

  describe('start', () => {
    it('starts an execution named after the approval, its input at $.Payload', async () => {
      // Prepare
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });

      // Act
      await workflow.start({ approvalId: APPROVAL_ID, ttlSeconds: 3600 });

      // Assess
      const input = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
      expect(input).toEqual({
        stateMachineArn: STATE_MACHINE_ARN,
        name: APPROVAL_ID,
        input: JSON.stringify({ Payload: { approvalId: APPROVAL_ID, ttlSeconds: 3600 } }),
      });
    });

    it('treats an execution that already exists as the start of an earlier attempt', async () => {
      sfnMock
        .on(StartExecutionCommand)
        .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
      await expect(workflow.start({ approvalId: APPROVAL_ID, ttlSeconds: 3600 })).resolves.toBeUndefined();
    });

    it('propagates any other failure', async () => {
      const missing = new StateMachineDoesNotExist({
        message: 'State Machine Does Not Exist',
        $metadata: {},
      });
      sfnMock.on(StartExecutionCommand).rejects(missing);
      await expect(workflow.start({ approvalId: APPROVAL_ID, ttlSeconds: 3600 })).rejects.toBe(missing);
    });

    it('refuses an approval id that cannot name an execution, without calling Step Functions', async () => {
      await expect(workflow.start({ approvalId: 'a'.repeat(81), ttlSeconds: 60 })).rejects.toThrow(/80/);
      await expect(workflow.start({ approvalId: 'has space', ttlSeconds: 60 })).rejects.toThrow(/80/);
      expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });
  });

  describe('decisions', () => {
    it('sends an approval as task success', async () => {
      sfnMock.on(SendTaskSuccessCommand).resolves({});
      await workflow.approved(TASK_TOKEN);
      expect(sfnMock.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input).toEqual({
        taskToken: TASK_TOKEN,
        output: '{"approved":true}',
      });
    });

    it('sends a denial as task failure with the error the workflow catches', async () => {
      sfnMock.on(SendTaskFailureCommand).resolves({});
      await workflow.denied(TASK_TOKEN);
      expect(sfnMock.commandCalls(SendTaskFailureCommand)[0]!.args[0].input).toEqual({
        taskToken: TASK_TOKEN,
        error: 'Denied',
        cause: 'Denied by a reviewer.',
      });
    });

    it.each([
      ['approved', (w: SfnApprovalWorkflow) => w.approved(TASK_TOKEN)],
      ['denied', (w: SfnApprovalWorkflow) => w.denied(TASK_TOKEN)],
    ] as const)('a refused %s names the service error and never quotes the token', async (_n, decide) => {
      // Prepare: a service error whose message holds the token.
      const invalid = new InvalidToken({ message: `Invalid Token: '${TASK_TOKEN}'`, $metadata: {} });
      sfnMock.on(SendTaskSuccessCommand).rejects(invalid);
      sfnMock.on(SendTaskFailureCommand).rejects(invalid);

      // Act
      const error = await rejectionOf(decide(workflow));

      // Assess
      expect(error).toBeInstanceOf(TaskDecisionError);
      expect((error as TaskDecisionError).code).toBe('InvalidToken');
      expect(error.message).toMatch(/InvalidToken/);
      expect(
        JSON.stringify({ message: error.message, stack: error.stack, cause: String(error.cause) }),
      ).not.toContain(TASK_TOKEN);
    });

    it('keeps the code of a task that timed out (the approval expired meanwhile)', async () => {
      sfnMock
        .on(SendTaskSuccessCommand)
        .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
      const error = await rejectionOf(workflow.approved(TASK_TOKEN));
      expect(error).toMatchObject({ name: 'TaskDecisionError', code: 'TaskTimedOut' });
    });
  });
});
