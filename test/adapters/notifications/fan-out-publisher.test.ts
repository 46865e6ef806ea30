// fanOutPublisher: every publisher gets the event, whatever the others do; failures are reported
// together once all have settled.
import { fanOutPublisher } from '../../../lambdas/adapters/notifications/fan-out-publisher.js';
import type { ApprovalEvent, EventPublisher } from '../../../lambdas/core/ports.js';
import { approvalEvent } from '../../support/approval-events.js';

const recording = (received: ApprovalEvent[]): EventPublisher => ({
  publish: async (event) => {
    received.push(event);
  },
});
const failing = (message: string): EventPublisher => ({
  publish: async () => {
    throw new Error(message);
  },
});

describe('fanOutPublisher', () => {
  it('publishes the event to every publisher', async () => {
    const first: ApprovalEvent[] = [];
    const second: ApprovalEvent[] = [];
    const event = approvalEvent();
    await fanOutPublisher([recording(first), recording(second)]).publish(event);
    expect([first, second]).toEqual([[event], [event]]);
  });

  it('publishes concurrently: a slow publisher does not hold back the others', async () => {
    const started: string[] = [];
    let release!: () => void;
    const slow: EventPublisher = {
      publish: () => {
        started.push('slow');
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    };
    const fast: EventPublisher = { publish: async () => void started.push('fast') };

    const publishing = fanOutPublisher([slow, fast]).publish(approvalEvent());
    expect(started).toEqual(['slow', 'fast']);
    release();
    await publishing;
  });

  it('reaches every publisher when some fail, then throws them all in an AggregateError', async () => {
    const reached: ApprovalEvent[] = [];
    const publishing = fanOutPublisher([
      failing('bus down'),
      recording(reached),
      failing('webhook 500'),
    ]).publish(approvalEvent());
    const error = await publishing.catch((e: unknown) => e);
    expect(reached).toHaveLength(1);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).message).toBe('2 of 3 publishers failed');
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'bus down',
      'webhook 500',
    ]);
  });

  it('publishes to nobody without complaint when given no publishers', async () => {
    await expect(fanOutPublisher([]).publish(approvalEvent())).resolves.toBeUndefined();
  });
});
