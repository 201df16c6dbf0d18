import type { EventStore } from '../../store/event-store.ts';
import type { AppendRequest, AppendResult } from '../../store/types.ts';
import { validateAggregateId, validateEvents, validateTypeName } from '../../store/validation.ts';

interface Pending {
  request: AppendRequest;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export interface AppendBatcherOptions {
  /** Most aggregates in one statement (default 500). */
  maxBatch?: number;
  /** Statements in flight at once (default 2): while they run, the next batch fills up. */
  maxInFlight?: number;
  maxEventBytes?: number;
}

/**
 * Group commit: appends requested while earlier statements are in flight are sent together as one
 * `appendMany` statement. Each request still succeeds or fails on its own (per-aggregate
 * compare-and-set); a failure of the statement itself (database down) fails every request of it,
 * and each one's job retries. Under load this turns N commits into one, which is what makes the
 * command path fast; with a single request in flight it adds no delay.
 */
export class AppendBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly maxEventBytes: number;

  constructor(private readonly store: EventStore, options: AppendBatcherOptions = {}) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxEventBytes = options.maxEventBytes ?? 1024 * 1024;
  }

  /**
   * @returns the append result, or throws the request's own AppendRejection (ConcurrencyError,
   *   DuplicateCommandError, AggregateTypeMismatchError), an InvalidInputError, or the statement's error.
   */
  append(request: AppendRequest): Promise<AppendResult> {
    // Checked here, alone, so one bad request cannot make the whole batch fail validation.
    validateAggregateId(request.aggregateId);
    validateTypeName('aggregateType', request.aggregateType);
    validateEvents(request.events, this.maxEventBytes);
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      // Defer to the end of this tick, so requests made together leave together.
      if (this.queue.length === 1) process.nextTick(() => this.flush());
    });
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.flush();
      });
    }
  }

  /** Up to maxBatch requests, at most one per aggregate (a second one waits for the next batch). */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const aggregates = new Set<string>();
    for (const pending of this.queue) {
      if (batch.length < this.maxBatch && !aggregates.has(pending.request.aggregateId)) {
        aggregates.add(pending.request.aggregateId);
        batch.push(pending);
      } else {
        rest.push(pending);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async run(batch: Pending[]): Promise<void> {
    try {
      const { committed, rejected } = await this.store.appendMany(batch.map((p) => p.request));
      const results = new Map(committed.map((result) => [result.aggregateId, result]));
      let loser = 0; // rejections come in request order, one per request that was not committed
      for (const pending of batch) {
        const result = results.get(pending.request.aggregateId);
        if (result) pending.resolve(result);
        else pending.reject(rejected[loser++] ?? new Error(`append of ${pending.request.aggregateId} returned no result`));
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
