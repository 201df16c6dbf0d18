import { isAfter } from '../subscriptions/checkpoint.ts';
import type { EventBus } from '../bus/event-bus.ts';
import { decodeEvent } from '../envelope/codec.ts';
import { EventStore } from '../store/event-store.ts';
import { START, type CommitPosition, type RecordedEvent } from '../store/types.ts';
import { CheckRecorder, type CheckResult } from './report.ts';

export interface LogCheckOptions {
  /** When true, events the relay has not published yet are a violation (use once the system is idle). */
  requireCaughtUp?: boolean;
  /** Store events read per page (default 2000). */
  pageSize?: number;
}

/**
 * The NATS event log equals the store's commit order: message i of the log is event i of the
 * store, read with readAll (the xmin rule). Both sides are streamed side by side, so memory stays
 * bounded. Events the log does not hold yet are relay lag: a note, or a violation with
 * `requireCaughtUp`.
 */
export async function checkEventLog(store: EventStore, bus: EventBus, limit: number, options: LogCheckOptions = {}): Promise<CheckResult> {
  const check = new CheckRecorder('event log', limit);
  const expected = storeEvents(store, options.pageSize ?? 2000);
  let matched = 0;
  let skipped = 0;
  let lastMatched: CommitPosition = START;
  const messages = await bus.readHistory(bus.subjects.events, { from: 'all' }, async (batch) => {
    for (const message of batch) {
      let event: RecordedEvent;
      try {
        event = decodeEvent(message.data);
      } catch (error) {
        check.violation('log_invalid_message', `message ${message.sequence} of ${bus.subjects.events} is no event envelope: ${(error as Error).message}`);
        continue;
      }
      if (!isAfter(event, lastMatched)) {
        check.violation('log_out_of_order', `message ${message.sequence} carries ${describe(event)}, at or before the previous message's position ${format(lastMatched)}`);
        continue;
      }
      // Store events before this message's position that the log skipped.
      let next = await expected.peek();
      while (next && isAfter(event, next)) {
        check.violation('log_missing_event', `the log skips ${describe(next)} (found ${describe(event)} at message ${message.sequence} instead)`);
        await expected.take();
        skipped++;
        next = await expected.peek();
      }
      if (!next || next.eventId !== event.eventId || next.transactionId !== event.transactionId || next.globalPosition !== event.globalPosition) {
        check.violation('log_unknown_event', `message ${message.sequence} carries ${describe(event)}, which the store does not hold at that position`);
        continue;
      }
      await expected.take();
      lastMatched = { transactionId: event.transactionId, globalPosition: event.globalPosition };
      matched++;
    }
  });
  let behind = 0;
  while (await expected.take()) behind++;
  if (behind > 0) {
    const message = `the log ends ${behind} event(s) before the store's last committed event (relay lag)`;
    if (options.requireCaughtUp) check.violation('log_behind', message);
    else check.note(message);
  }
  return check.examined(`${messages} messages of ${bus.subjects.events} against ${matched + skipped + behind} store events in commit order`);
}

/** The store's events in commit order, a page at a time, with one event of look-ahead. */
function storeEvents(store: EventStore, pageSize: number) {
  let page: RecordedEvent[] = [];
  let index = 0;
  let after: CommitPosition = START;
  let exhausted = false;
  const fill = async () => {
    if (index < page.length || exhausted) return;
    page = await store.readAll({ after, limit: pageSize });
    index = 0;
    if (page.length === 0) exhausted = true;
    else after = page[page.length - 1]!;
  };
  return {
    async peek(): Promise<RecordedEvent | undefined> {
      await fill();
      return page[index];
    },
    async take(): Promise<RecordedEvent | undefined> {
      await fill();
      return page[index++];
    },
  };
}

function format(position: CommitPosition): string {
  return `(${position.transactionId}, ${position.globalPosition})`;
}

function describe(event: RecordedEvent): string {
  return `event ${event.eventId} ("${event.aggregateId}" v${event.eventVersion}, position ${format(event)})`;
}
