// The approval workflow in the Amazon States Language: one definition, deployed by the CDK stack
// as a Standard state machine and run by the local engine in local mode (no second flow).
//
// AwaitDecision parks on a task token until reviewers decide (SendTaskSuccess: approved;
// SendTaskFailure `Denied`: denied) or the approval's TTL passes (States.Timeout: expired). Every
// task invokes the approval-tasks function with `{ task, approvalId }`; each task is idempotent
// (a conditional transition of the record), so the retries on transient Lambda errors are safe:
// a retried execute finds its claim taken and runs nothing.
//
// The execution input is `{ "Payload": { "approvalId", "ttlSeconds" } }`: the TTL sits at the same
// path in the state's raw and effective input, so TimeoutSecondsPath resolves either way.

/** Errors of the Lambda service itself, retried; an error of the function's own is not. */
export const TRANSIENT_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** The error name a denial is sent with (SendTaskFailure). */
export const DENIED_ERROR = 'Denied';

/** The state names: the local engine maps each task state to its handler by name. */
export const STATES = {
  await: 'AwaitDecision',
  execute: 'Execute',
  denied: 'RecordDenied',
  expired: 'RecordExpired',
  failed: 'RecordFailed',
  done: 'Done',
  stopped: 'Stopped',
} as const;

/** What each task state sends the approval-tasks function. */
export type ApprovalTask =
  | { readonly task: 'notify'; readonly approvalId: string; readonly taskToken: string }
  | { readonly task: 'execute'; readonly approvalId: string }
  | { readonly task: 'denied'; readonly approvalId: string }
  | { readonly task: 'expire'; readonly approvalId: string }
  | { readonly task: 'fail'; readonly approvalId: string; readonly error: string };

/** The longest an execution may run (Lambda's own limit). */
export const EXECUTE_TIMEOUT_SECONDS = 900;
/** Tasks that only write a record. */
const RECORD_TIMEOUT_SECONDS = 60;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const retry: Json = [
  { ErrorEquals: [...TRANSIENT_LAMBDA_ERRORS], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 },
];

/**
 * The state machine definition for the approval-tasks function `functionArn`.
 */
export const approvalWorkflowDefinition = (functionArn: string): { [k: string]: Json } => {
  const invoke = (payload: { [k: string]: Json }) => ({
    FunctionName: functionArn,
    Payload: { 'approvalId.$': '$.Payload.approvalId', ...payload },
  });
  const record = (task: string, next: string, extra: { [k: string]: Json } = {}): Json => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: invoke({ task, ...extra }),
    TimeoutSeconds: RECORD_TIMEOUT_SECONDS,
    ResultPath: null,
    Retry: retry,
    Next: next,
  });
  return {
    Comment: 'Tollgate: a held request waits for reviewers, then runs at most once (docs/approvals.md).',
    StartAt: STATES.await,
    States: {
      [STATES.await]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: invoke({
          task: 'notify',
          'ttlSeconds.$': '$.Payload.ttlSeconds',
          'taskToken.$': '$$.Task.Token',
        }),
        TimeoutSecondsPath: '$.Payload.ttlSeconds',
        ResultPath: null,
        Retry: retry,
        Catch: [
          { ErrorEquals: [DENIED_ERROR], ResultPath: '$.error', Next: STATES.denied },
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: STATES.expired },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: STATES.failed },
        ],
        Next: STATES.execute,
      },
      [STATES.execute]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: invoke({ task: 'execute' }),
        TimeoutSeconds: EXECUTE_TIMEOUT_SECONDS,
        ResultPath: null,
        Retry: retry,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: STATES.failed }],
        Next: STATES.done,
      },
      [STATES.denied]: record('denied', STATES.stopped),
      [STATES.expired]: record('expire', STATES.stopped),
      [STATES.failed]: record('fail', STATES.stopped, { 'error.$': '$.error.Error' }),
      [STATES.done]: { Type: 'Succeed' },
      [STATES.stopped]: { Type: 'Succeed', Comment: 'Denied, expired or failed: the record says which.' },
    },
  };
};
