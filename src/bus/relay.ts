import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { decodeEvent, encodeEvent } from '../envelope/codec.ts';
import { createLogger, type Logger } from '../logger.ts';
import { EventStore, type Queryable } from '../store/event-store.ts';
import { START, type CommitPosition, type RecordedEvent } from '../store/types.ts';
import { checkpointLag, positionOf, readCheckpoint, writeCheckpoint, type Lag } from '../subscriptions/checkpoint.ts';
import type { EventBus } from './event-bus.ts';

export interface RelayOptions {
  pool: pg.Pool;
  bus: EventBus;
  /** Events read and published per batch (default 2000). */
  batchSize?: number;
  /** Longest pause between polls when the store is idle, in ms (default 100). */
  maxIdleMs?: number;
  /** How often a standby tries to become the active relay, in ms (default 1000). */
  standbyRetryMs?: number;
  /**
   * PostgreSQL LISTEN channel that wakes the relay at once (default "eventstore_events"). Writers
   * may `NOTIFY eventstore_events` AFTER their commit; it is only a hint, polling still runs.
   */
  wakeChannel?: string;
  logger?: Logger;
}

/** The checkpoint row of the relay of a deployment (':' cannot occur in projection names). */
export function relayCheckpointName(prefix: string): string {
  return `relay:${prefix}`;
}

/**
 * The outbox relay: publishes every committed event of the store to `${prefix}.events`, in commit
 * order, as protobuf envelopes with msg id = event id.
 *
 * - One active relay per deployment: a PostgreSQL session advisory lock held on a connection of
 *   its own. Standbys retry the lock and take over when the holder's session ends.
 * - Resume point: the LAST MESSAGE OF THE STREAM (its envelope carries the commit position), not
 *   only the checkpoint, so a relay killed between a publish and its checkpoint neither skips nor
 *   re-orders anything. The checkpoint row is for lag reporting.
 * - Fencing (JetStream): each publish says which stream sequence it must follow
 *   (Nats-Expected-Last-Sequence). A stale relay that still believes it is active is refused by
 *   the server instead of interleaving; a failed publish makes everything after it in the window
 *   fail too, and the relay re-reads the stream's end and goes on from there.
 * - Polling with a short adaptive pause: no NOTIFY inside writers' transactions.
 */
export class Relay {
  private readonly store: EventStore;
  private readonly log: Logger;
  private readonly name: string;
  private running: Promise<void> | undefined;
  private stopping = false;
  private lockClient: pg.PoolClient | undefined;
  private active = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: RelayOptions) {
    this.store = new EventStore(options.pool);
    this.log = options.logger ?? createLogger({ name: 'relay' });
    this.name = relayCheckpointName(options.bus.subjects.prefix);
  }

  /** True while this relay holds the lock and publishes. */
  get isActive(): boolean {
    return this.active;
  }

  /** Starts in the background: as the active relay, or as a standby until the lock is free. */
  async start(): Promise<void> {
    if (this.running) return;
    this.stopping = false;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (await this.acquire()) {
          this.active = true;
          this.log.info({ relay: this.name }, 'active relay');
          await this.publishLoop();
        } else {
          await sleep(this.options.standbyRetryMs ?? 1000);
        }
      } catch (error) {
        this.log.error({ err: error }, 'relay failed; resuming from the end of the stream');
        await sleep(500);
      } finally {
        this.active = false;
        await this.release();
      }
    }
  }

  /** The session advisory lock of this deployment's relay, on a connection kept for it. */
  private async acquire(): Promise<boolean> {
    const client = await this.options.pool.connect();
    try {
      const { rows } = await client.query("SELECT pg_try_advisory_lock(hashtext('eventstore.relay'), hashtext($1)) AS locked", [this.name]);
      if (!rows[0].locked) {
        client.release();
        return false;
      }
      client.on('error', (error) => this.log.warn({ err: error }, 'relay lock connection failed'));
      client.on('notification', () => this.wake?.());
      await client.query(`LISTEN ${pgIdentifier(this.options.wakeChannel ?? 'eventstore_events')}`);
    } catch (error) {
      client.release(true);
      throw error;
    }
    this.lockClient = client;
    return true;
  }

  private async release(): Promise<void> {
    const client = this.lockClient;
    this.lockClient = undefined;
    if (!client) return;
    // Ending the session frees the lock even when the unlock cannot be sent.
    client.release(true);
  }

  private async publishLoop(): Promise<void> {
    const { bus } = this.options;
    const batchSize = this.options.batchSize ?? 2000;
    let { position, sequence } = await this.resumePoint();
    let idleMs = 0;
    let lastLockCheck = Date.now();
    // The next batch is read while the loop does other work; if the loop fails first (the lock
    // check below), a read failing in the meantime must not become an unhandled rejection.
    const read = (after: CommitPosition) => {
      const batch = this.store.readAll({ after, limit: batchSize });
      batch.catch(() => {});
      return batch;
    };
    let next = read(position);
    let checkpointing = Promise.resolve();
    while (!this.stopping) {
      const events = await next;
      if (events.length === 0) {
        idleMs = Math.min(this.options.maxIdleMs ?? 100, Math.max(5, idleMs * 2));
        await this.pause(idleMs);
        next = read(position);
      } else {
        idleMs = 0;
        const after = positionOf(events[events.length - 1]!);
        next = read(after); // while this batch is on the wire
        await this.publish(events, sequence);
        position = after;
        sequence += events.length;
        // Publishing resumes from the stream's last message; the checkpoint is the fallback. So it
        // is written while the next batch goes out (one write at a time, a failure still stops
        // the loop), and its commit is off the publishing path.
        await checkpointing;
        checkpointing = writeCheckpoint(this.options.pool, this.name, position);
        checkpointing.catch(() => {});
      }
      if (Date.now() - lastLockCheck > 1000) {
        // The lock lives as long as its session: a dead lock connection means another relay may be active.
        await this.lockClient!.query('SELECT 1');
        lastLockCheck = Date.now();
      }
    }
    await next.catch(() => {});
    await checkpointing;
  }

  /** Sleeps up to `ms`, or until a NOTIFY on the wake channel arrives. */
  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async publish(events: RecordedEvent[], sequence: number): Promise<void> {
    const { bus } = this.options;
    await bus.publishBatch(
      bus.subjects.events,
      events.map((event) => ({ data: encodeEvent(event), msgId: event.eventId })),
      bus.transport === 'jetstream' ? { expectedLastSequence: sequence } : {},
    );
  }

  /** Where publishing goes on: after the event in the stream's last message. */
  private async resumePoint(): Promise<{ position: CommitPosition; sequence: number }> {
    const { bus } = this.options;
    await bus.ensureChannels(); // the stream may have been deleted while the relay ran
    const last = await bus.lastMessage(bus.subjects.events);
    if (!last) {
      const checkpoint = await readCheckpoint(this.options.pool, this.name);
      if (checkpoint.transactionId !== 0) this.log.warn({ checkpoint }, 'the event log is empty but the relay had published before: publishing every event again');
      return { position: START, sequence: 0 };
    }
    try {
      return { position: positionOf(decodeEvent(last.data)), sequence: last.sequence };
    } catch (error) {
      // Something else wrote into the event log. Our checkpoint is the best remaining truth.
      const position = await readCheckpoint(this.options.pool, this.name);
      this.log.error({ err: error, sequence: last.sequence, position }, 'the last message of the event log is not an envelope; resuming from the checkpoint');
      return { position, sequence: last.sequence };
    }
  }
}

function pgIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The relay's published position and how far it is behind the store. */
export function relayStatus(db: Queryable, prefix: string): Promise<Lag> {
  return checkpointLag(db, relayCheckpointName(prefix));
}
