// EventBridgePublisher: one event per state change on the bus, and entries EventBridge did not
// accept (answered with 200) reported as failures.
import { EventBridgeClient, InternalException, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgePublisher } from '../../../lambdas/adapters/aws/eventbridge-publisher.js';
import { approvalEvent } from '../../support/approval-events.js';

const BUS = 'tollgate-approvals';

describe('EventBridgePublisher', () => {
  const eventsMock = mockClient(EventBridgeClient);
  const publisher = new EventBridgePublisher({
    client: new EventBridgeClient({ region: 'eu-west-1' }),
    eventBusName: BUS,
  });

  afterEach(() => eventsMock.reset());
  afterAll(() => eventsMock.restore());

  it('puts one event from tollgate, typed by the state change, the event as its detail', async () => {
    // Prepare
    eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const event = approvalEvent({ type: 'approval.denied', status: 'denied' });

    // Act
    await publisher.publish(event);

    // Assess
    const { Entries } = eventsMock.commandCalls(PutEventsCommand)[0]!.args[0].input;
    expect(Entries).toEqual([
      {
        EventBusName: BUS,
        Source: 'tollgate',
        DetailType: 'approval.denied',
        Detail: JSON.stringify(event),
        Time: new Date(event.at),
      },
    ]);
  });

  it('throws, naming the error code, when EventBridge did not accept the entry', async () => {
    eventsMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    await expect(publisher.publish(approvalEvent())).rejects.toThrow(
      /approval\.requested.*ThrottlingException/,
    );
  });

  it('propagates a failure of the call itself', async () => {
    const failure = new InternalException({ message: 'internal error', $metadata: {} });
    eventsMock.on(PutEventsCommand).rejects(failure);
    await expect(publisher.publish(approvalEvent())).rejects.toBe(failure);
  });
});
