import type { Job, Queue } from 'bullmq';
import type { CommandGate } from './gate.ts';
import type { CommandRegistry } from '../domain/registry.ts';

export interface ReconcilerOptions {
  intervalMs: number;
  /** Gates without progress for this long are inspected. */
  staleMs: number;
  /** Aggregates inspected per sweep step (default 200). */
  batch?: number;
  onError(error: unknown): void;
}

/**
 * Heals the gate after a crash between two steps, by looking at gates that made no progress for a
 * while: a head whose job finished (the worker died before advancing) is advanced; a head that is
 * still parked (its producer died before promoting it, or a promotion was lost) is promoted. A head
 * that is waiting, running or backing off is left alone: BullMQ's stalled-job check brings back
 * the command of a worker that died mid-command. Every action is idempotent, so any number of
 * workers may run it at once.
 */
export class GateReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly gate: CommandGate,
    private readonly queue: Queue,
    private readonly registry: CommandRegistry,
    private readonly options: ReconcilerOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      if (!this.running) void this.sweep().catch(this.options.onError);
    }, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async idle(): Promise<void> {
    await this.running?.catch(() => {});
  }

  /** Inspects stale gates until none is left; returns how many heads it advanced or promoted. */
  sweep(): Promise<number> {
    this.running ??= this.sweepAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepAll(): Promise<number> {
    let healed = 0;
    const batch = this.options.batch ?? 200;
    for (;;) {
      const heads = await this.gate.inspectStale(this.options.staleMs, batch);
      for (const { aggregateId, commandId, state } of heads) {
        if (state === 'completed' || state === 'missing') await this.gate.advance(aggregateId, commandId);
        else if (state === 'failed') await this.advanceFailed(aggregateId, commandId);
        else if (state === 'parked') await this.gate.promote(commandId);
        if (state !== 'busy') healed++;
      }
      // Inspected gates count as progress, so each loop sees new ones until the stale set is empty.
      if (heads.length < batch) return healed;
    }
  }

  private async advanceFailed(aggregateId: string, commandId: string): Promise<void> {
    const job = (await this.queue.getJob(commandId)) as Job | undefined;
    const policy = this.registry.aggregate(job?.data?.aggregateType)?.failurePolicy ?? 'continue';
    const halt = policy === 'halt' ? { reason: job?.failedReason ?? 'failed' } : undefined;
    await this.gate.advance(aggregateId, commandId, { halt });
  }
}
