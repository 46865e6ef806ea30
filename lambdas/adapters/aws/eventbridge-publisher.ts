// The EventPublisher on AWS: each state change of a held request is one event on the bus, which
// the stack routes to the SNS topic and the Slack notifier.
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { ApprovalEvent, EventPublisher } from '../../core/ports.js';

export interface EventBridgePublisherOptions {
  readonly client: EventBridgeClient;
  readonly eventBusName: string;
}

/** The events' source, which the stack's rules match on. */
export const EVENT_SOURCE = 'tollgate';

export class EventBridgePublisher implements EventPublisher {
  constructor(private readonly options: EventBridgePublisherOptions) {}

  async publish(event: ApprovalEvent): Promise<void> {
    const { FailedEntryCount, Entries } = await this.options.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.options.eventBusName,
            Source: EVENT_SOURCE,
            DetailType: event.type,
            Detail: JSON.stringify(event),
            Time: new Date(event.at),
          },
        ],
      }),
    );
    // PutEvents answers 200 when entries fail: the failure is only in the response.
    if (FailedEntryCount) {
      const code = Entries?.find((e) => e.ErrorCode)?.ErrorCode ?? 'unknown';
      throw new Error(`EventBridge did not accept the ${event.type} event: ${code}`);
    }
  }
}
