import { setTimeout as sleep } from 'node:timers/promises';
import { evolveAll, toNewEvent } from '../../src/commands/worker/aggregate-repository.ts';
import { AppendBatcher } from '../../src/commands/worker/append-batcher.ts';
import { DomainRejectionError } from '../../src/commands/domain/errors.ts';
import { Order, type OrderState } from '../../examples/orders/domain/order.ts';
import { ConcurrencyError, DuplicateCommandError } from '../../src/errors.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import type { BenchCommand } from '../workload/command-workload.ts';
import type { AggregateDefinition } from '../../src/commands/domain/aggregate.ts';

/** The Order decider as the worker runs it: the workload's commands and stored events are untyped. */
const order: AggregateDefinition<OrderState> = Order;

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

interface Loaded {
  state: OrderState;
  version: number;
}

/**
 * Load -> decide -> append, the same for every baseline contender, with the parts of our worker
 * that are not queueing: the example domain's Order decider, a state cache, and group commit
 * (src/commands/append-batcher.ts: concurrent appends share one statement). The cache is
 * validated by reading the events after the cached version (one round trip that also catches up
 * after another process wrote): a baseline queue does not know the version, our gate does.
 */
export class DomainWork {
  readonly stats: DomainWorkStats = { processed: 0, conflicts: 0, retries: 0 };
  private readonly cache = new Map<string, Loaded>();
  private readonly batcher: AppendBatcher;

  constructor(private readonly store: EventStore, private readonly policy: ConflictPolicy) {
    this.batcher = new AppendBatcher(store);
  }

  async handle(command: BenchCommand): Promise<void> {
    const ref = { commandId: command.commandId, commandType: command.commandType };
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(command.aggregateId);
      let decided;
      try {
        decided = order.decide(loaded.state, { type: command.commandType, payload: command.payload, aggregateId: command.aggregateId });
      } catch (error) {
        if (!(error instanceof DomainRejectionError)) throw error;
        await this.store.recordRejection({ ...ref, aggregateId: command.aggregateId, code: error.code, reason: error.reason });
        break;
      }
      try {
        const result = await this.batcher.append({
          aggregateId: command.aggregateId,
          aggregateType: Order.type,
          events: decided.map((e) => toNewEvent(e, { causationId: command.commandId, correlationId: command.commandId })),
          expectedVersion: this.policy.kind === 'blind' ? 'any' : loaded.version,
          command: ref,
        });
        this.cache.set(command.aggregateId, { state: evolveAll(Order, loaded.state, decided), version: result.nextExpectedVersion });
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

  private async load(aggregateId: string): Promise<Loaded> {
    const cached = this.cache.get(aggregateId) ?? { state: Order.initialState(), version: 0 };
    const newer = await this.store.readStream(aggregateId, { fromVersion: cached.version + 1 });
    if (newer.length === 0) return cached;
    const state = newer.reduce(
      (s, e) => order.evolve(s, { type: e.eventType, data: JSON.parse(Buffer.from(e.data).toString('utf8')) }),
      cached.state,
    );
    const loaded = { state, version: newer.at(-1)!.eventVersion };
    this.cache.set(aggregateId, loaded);
    return loaded;
  }
}
