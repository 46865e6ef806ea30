// The checkpoint schedule: an EventBridge rule that asks the archiver, at a fixed interval, to
// sign a checkpoint over everything archived since the previous one.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { assertNoProblems, found, integerProblem } from '../props-validation.js';

/** The archiver's input for a checkpoint (lambdas/handlers/archiver-handler.ts, CheckpointRequest). */
export const CHECKPOINT_INPUT = { action: 'checkpoint' } as const;

/** A day: a checkpoint at least daily keeps the window in which a dropped session hides short. */
export const MAX_CHECKPOINT_INTERVAL_MINUTES = 1440;

export interface CheckpointScheduleProps {
  /** The archiver function, which writes checkpoints when invoked with {@link CHECKPOINT_INPUT}. */
  readonly archiver: lambda.IFunction;

  /**
   * Minutes between checkpoints, 1 to 1440. A run with nothing new archived writes none.
   *
   * @default 5
   */
  readonly intervalMinutes?: number;
}

/**
 * Invokes the archiver every `intervalMinutes`. Runs may overlap with each other and with stream
 * batches: the archiver holds a lease in the ledger while it writes a checkpoint, so no reserved
 * concurrency is needed. A failed run is completed by the next one, hence few retries and events
 * that expire after one interval.
 */
export class CheckpointSchedule extends Construct {
  static readonly DEFAULT_INTERVAL_MINUTES = 5;

  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: CheckpointScheduleProps) {
    super(scope, id);
    assertNoProblems(
      'CheckpointSchedule',
      found(integerProblem('intervalMinutes', props.intervalMinutes, 1, MAX_CHECKPOINT_INTERVAL_MINUTES)),
    );
    const minutes = props.intervalMinutes ?? CheckpointSchedule.DEFAULT_INTERVAL_MINUTES;
    this.rule = new events.Rule(this, 'Rule', {
      description: `Tollgate: sign a checkpoint over the recordings archived in the last ${minutes} min`,
      schedule: events.Schedule.rate(Duration.minutes(minutes)),
      targets: [
        new targets.LambdaFunction(props.archiver, {
          event: events.RuleTargetInput.fromObject(CHECKPOINT_INPUT),
          retryAttempts: 2,
          // A run later than one interval is superseded by the next.
          maxEventAge: Duration.minutes(minutes),
        }),
      ],
    });
  }
}
