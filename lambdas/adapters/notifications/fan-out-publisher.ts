// One EventPublisher over several (EventBridge and a webhook, the log and a webhook): every one
// is tried, a failure of one does not keep the event from the others.
import type { EventPublisher } from '../../core/ports.js';

export const fanOutPublisher = (publishers: readonly EventPublisher[]): EventPublisher => ({
  async publish(event) {
    const results = await Promise.allSettled(publishers.map((p) => p.publish(event)));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (errors.length > 0) {
      throw new AggregateError(errors, `${errors.length} of ${publishers.length} publishers failed`);
    }
  },
});
