import { setTimeout as sleep } from 'node:timers/promises';
import { ConcurrencyError, DuplicateCommandError } from '../../src/errors.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import type { RecordedEvent } from '../../src/store/types.ts';
import type { BenchCommand } from '../workload/command-workload.ts';
import { decideOrder, evolveOrder, initialOrderState, type OrderState } from './order-decider.ts';

/** How a contender writes: with the loaded version as expected version, or blindly ('any'). */
export type ConflictPolicy =
  /** Plain queue, no ordering: append with expectedVersion 'any' (never conflicts, may reorder). */
  | { kind: 'blind' }
  /** An ordered queue: a conflict can only come from outside; reload and retry at once. */
  | { kind: 'reload' }
  /** The optimistic approach: expected version, on conflict back off (exponential, jittered) and retry. */
  | { kind: 'backoff'; baseMs: number; maxMs: number; maxAttempts: number };

export interface DomainWorkStats {
  processed: number;
  conflicts: number;
  retries: number;
}

const AGGREGATE_TYPE = 'Order';

/**
 * Load -> decide -> append, the same for every baseline contender. State is cached per aggregate
 * and validated by reading only the events after the cached version (one round trip that also
 * catches up when another process wrote), then one append statement: 2 round trips per command,
 * the same budget the ordered worker has.
 */
export class DomainWork {
  readonly stats: DomainWorkStats = { processed: 0, conflicts: 0, retries: 0 };
  private readonly cache = new Map<string, { state: OrderState; version: number }>();

  constructor(private readonly store: EventStore, private readonly policy: ConflictPolicy) {}

  async handle(command: BenchCommand): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(command.aggregateId);
      const decision = decideOrder(loaded.state, command);
      const ref = { commandId: command.commandId, commandType: command.commandType };
      if ('rejected' in decision) {
        await this.store.recordRejection({ ...ref, aggregateId: command.aggregateId, ...decision.rejected });
        break;
      }
      try {
        const events = decision.events.map((e) => ({ eventType: e.eventType, data: Buffer.from(JSON.stringify(e.data)) }));
        const result = await this.store.append(command.aggregateId, events, {
          aggregateType: AGGREGATE_TYPE,
          expectedVersion: this.policy.kind === 'blind' ? 'any' : loaded.version,
          command: ref,
        });
        const state = decision.events.reduce(evolveOrder, loaded.state);
        this.cache.set(command.aggregateId, { state, version: result.nextExpectedVersion });
        break;
      } catch (error) {
        if (error instanceof DuplicateCommandError) break; // a redelivered job whose first run committed
        if (!(error instanceof ConcurrencyError)) throw error;
        this.stats.conflicts++;
        if (this.policy.kind === 'backoff') {
          if (attempt >= this.policy.maxAttempts) throw error;
          const ceiling = Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** (attempt - 1));
          await sleep(Math.random() * ceiling);
        }
        this.stats.retries++;
      }
    }
    this.stats.processed++;
  }

  private async load(aggregateId: string): Promise<{ state: OrderState; version: number }> {
    const cached = this.cache.get(aggregateId) ?? { state: initialOrderState(), version: 0 };
    const newer = await this.store.readStream(aggregateId, { fromVersion: cached.version + 1 });
    if (newer.length === 0) return cached;
    const state = newer.reduce((s, e: RecordedEvent) => evolveOrder(s, { eventType: e.eventType, data: JSON.parse(Buffer.from(e.data).toString()) }), cached.state);
    const loaded = { state, version: newer.at(-1)!.eventVersion };
    this.cache.set(aggregateId, loaded);
    return loaded;
  }
}
