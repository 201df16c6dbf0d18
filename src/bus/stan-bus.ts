import { randomBytes } from 'node:crypto';
import stanClient, { type Message, type Stan, type Subscription, type SubscriptionOptions } from 'node-nats-streaming';
import { createLogger, logConnectionErrors, type Logger } from '../logger.ts';
import { ChannelGapError, HistoryReadError, PublishError, validateBusName } from './errors.ts';
import {
  busSubjects,
  type BusMessage,
  type BusSubjects,
  type BusSubscription,
  type EventBus,
  type LastMessage,
  type MessageHandler,
  type PublishMessage,
  type SubscribeOptions,
} from './event-bus.ts';
import { validateStartPosition, type StartPosition } from './start-position.ts';

export interface StanBusOptions {
  url: string;
  clusterId: string;
  /**
   * The client id, unique on the server at any moment. STAN keys a durable by (client id, durable
   * name): a process must come back with the same id to resume its durables (createEventBus makes
   * the ids, see stanClientId). Letters, digits, '-', '_'.
   */
  clientId: string;
  prefix: string;
  /** Hears every ChannelGapError of a strict subscription (also logged at error level). */
  onGap?: (gap: ChannelGapError) => void;
  /** Publishes in flight at once (default 2000). */
  publishWindow?: number;
  logger?: Logger;
}

/**
 * readHistory fails (HistoryReadError) when the server sends nothing this long before the end
 * message: only when that message was removed by channel limits while the read ran.
 */
const HISTORY_IDLE_MS = 30_000;

interface LiveSubscription {
  subject: string;
  options: SubscribeOptions;
  handler: MessageHandler;
  sub: Subscription | undefined;
  lastAcked: number;
  /** The highest sequence delivered in this process, across reconnects: a jump past it is a gap. */
  lastSeen: number;
  /** Messages are handled one after the other, in arrival order. */
  chain: Promise<void>;
  closed: boolean;
}

/**
 * The event bus on NATS Streaming (node-nats-streaming 0.3.2). Differences from JetStream that
 * the code handles: ack wait is whole seconds (>= 1 s); a STAN session is NOT restored by the NATS
 * reconnect, so on `connection_lost` this reconnects with the same client id and re-subscribes
 * every durable (which resume where they were); there is no conditional publish (no fencing) and
 * the publish ack carries no sequence; channels cannot be deleted by a client. Channel limits are
 * server configuration (deploy/nats-streaming/stan.conf keeps the event log unlimited).
 */
export class StanBus implements EventBus {
  readonly transport = 'stan' as const;
  readonly subjects: BusSubjects;
  private readonly live = new Set<LiveSubscription>();
  private reconnecting: Promise<void> | undefined;
  private closing = false;
  private readonly log: Logger;

  private constructor(private stan: Stan, private readonly options: StanBusOptions) {
    this.subjects = busSubjects(options.prefix);
    this.log = options.logger ?? createLogger({ name: `bus:${options.clientId}` });
    this.watch(stan);
  }

  static async connect(options: StanBusOptions): Promise<StanBus> {
    validateBusName('NATS prefix', options.prefix);
    validateBusName('STAN client id', options.clientId);
    return new StanBus(await openStan(options), options);
  }

  /** Channels are created by the server on first use; their limits come from its configuration. */
  async ensureChannels(): Promise<void> {}

  async publishBatch(subject: string, messages: PublishMessage[]): Promise<{ lastSequence: number }> {
    const window = this.options.publishWindow ?? 2000;
    const inFlight: Promise<void>[] = [];
    let failure: unknown;
    for (const message of messages) {
      const stan = await this.connected();
      const ack = new Promise<void>((resolve, reject) => {
        try {
          stan.publish(subject, Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength), (error) =>
            error ? reject(new PublishError(`NATS Streaming refused ${message.msgId} on ${subject}: ${error.message}`, { cause: error })) : resolve(),
          );
        } catch (error) {
          reject(new PublishError(`publish of ${message.msgId} on ${subject} failed`, { cause: error }));
        }
      });
      ack.catch(() => {});
      inFlight.push(ack);
      if (inFlight.length >= window) {
        try {
          await inFlight.shift();
        } catch (error) {
          failure = error;
          break;
        }
      }
    }
    for (const result of await Promise.allSettled(inFlight)) {
      if (failure === undefined && result.status === 'rejected') failure = result.reason;
    }
    if (failure !== undefined) throw failure;
    // The STAN publish ack has no sequence; callers needing it read lastMessage().
    return { lastSequence: 0 };
  }

  async lastMessage(subject: string): Promise<LastMessage | undefined> {
    const stan = await this.connected();
    let last: LastMessage | undefined;
    const sub = stan.subscribe(subject, stan.subscriptionOptions().setStartWithLastReceived());
    sub.on('message', (m: Message) => (last ??= { sequence: m.getSequence(), data: m.getRawData() }));
    try {
      await subscriptionReady(sub);
      // An empty channel sends nothing: the probe says when the server is done sending.
      await this.initialDeliveryDone(stan);
    } finally {
      await endSubscription(sub);
    }
    return last;
  }

  /**
   * Resolves once every message the server sends a just-ready subscription at its start has
   * arrived. The server starts subscriptions one after the other (one queue, one goroutine) and
   * sends on one connection: when a subscription made after it gets the last message of a channel
   * that surely holds one, the earlier subscription's start is over. STAN has no "end of channel"
   * signal; this is how a reader tells "nothing there" from "not yet there" without a timer.
   */
  private async initialDeliveryDone(stan: Stan): Promise<void> {
    const subject = `${this.options.prefix}._probe`;
    await new Promise<void>((resolve, reject) => stan.publish(subject, Buffer.alloc(0), (error) => (error ? reject(error) : resolve())));
    const probe = stan.subscribe(subject, stan.subscriptionOptions().setStartWithLastReceived());
    const arrived = new Promise<void>((resolve) => probe.once('message', () => resolve()));
    try {
      await subscriptionReady(probe);
      await arrived;
    } finally {
      await endSubscription(probe);
    }
  }

  async subscribe(subject: string, handler: MessageHandler, options: SubscribeOptions): Promise<BusSubscription> {
    validateBusName('durable name', options.durable);
    if (options.queue !== undefined) validateBusName('queue group', options.queue);
    validateStartPosition(options.startAt ?? { from: 'all' });
    const live: LiveSubscription = { subject, options, handler, sub: undefined, lastAcked: 0, lastSeen: 0, chain: Promise.resolve(), closed: false };
    await this.attach(live, await this.connected());
    this.live.add(live);
    return {
      close: async () => this.detach(live, 'close'),
      unsubscribe: async () => this.detach(live, 'unsubscribe'),
    };
  }

  /**
   * The server sends the first messages right behind its subscription response, and the client
   * emits them in the same tick as `ready`: the `message` listener goes on before anything is
   * awaited, or those messages wait a whole ack wait for redelivery. Handling starts once the
   * subscription is ready (acks need the ack inbox the response carries).
   */
  private async attach(live: LiveSubscription, stan: Stan): Promise<void> {
    const opts = subscriptionOptions(stan, live.options);
    const sub = live.options.queue === undefined ? stan.subscribe(live.subject, opts) : stan.subscribe(live.subject, live.options.queue, opts);
    const ready = new Promise<void>((resolve, reject) => {
      sub.once('ready', () => resolve());
      sub.once('error', reject);
    });
    ready.catch(() => {});
    const started = live.chain.then(() => ready);
    live.chain = started.catch(() => {});
    sub.on('message', (m: Message) => {
      if (live.sub !== sub) return;
      live.chain = live.chain.then(() => this.deliver(live, m));
    });
    live.sub = sub;
    await started;
    sub.on('error', (error: Error) => this.log.error({ err: error, subject: live.subject }, 'subscription error'));
  }

  /**
   * Not acking a failed message is how STAN redelivers it (no nak): with max in flight 1 nothing
   * behind it arrives first, and it comes back after the ack wait.
   */
  private async deliver(live: LiveSubscription, m: Message): Promise<void> {
    if (live.closed) return;
    const sequence = m.getSequence();
    const strict = (live.options.maxInFlight ?? 1) === 1;
    if (strict && live.lastSeen > 0 && sequence > live.lastSeen + 1) this.reportGap(live, sequence);
    live.lastSeen = Math.max(live.lastSeen, sequence);
    if (strict && sequence <= live.lastAcked) {
      m.ack();
      return;
    }
    try {
      await live.handler(toBusMessage(live.subject, m));
      m.ack();
      live.lastAcked = sequence;
    } catch (error) {
      this.log.error({ err: error, subject: live.subject, durable: live.options.durable, sequence }, 'handler failed; redelivered after the ack wait');
    }
  }

  /**
   * With one message in flight the server sends a durable's messages in sequence order: a jump
   * means the ones between were removed from the channel before this subscriber read them.
   */
  private reportGap(live: LiveSubscription, next: number): void {
    const gap = new ChannelGapError(live.subject, live.options.durable, live.lastSeen, next);
    this.log.error({ err: gap, subject: live.subject, durable: live.options.durable, after: live.lastSeen, next }, gap.message);
    this.options.onGap?.(gap);
  }

  private async detach(live: LiveSubscription, how: 'close' | 'unsubscribe'): Promise<void> {
    live.closed = true;
    this.live.delete(live);
    const sub = live.sub;
    if (sub && !sub.isClosed()) {
      await new Promise<void>((resolve) => {
        sub.once(how === 'close' ? 'closed' : 'unsubscribed', () => resolve());
        sub.once('error', () => resolve());
        if (how === 'close') sub.close();
        else sub.unsubscribe();
      });
    }
    await live.chain;
  }

  /**
   * Reads up to the last message at the time of the call. Ends on that message, or at once when
   * the server sends nothing at the start (nothing at or after `startAt`). Should the end message
   * be removed by channel limits while the read runs, it fails after HISTORY_IDLE_MS of quiet.
   */
  async readHistory(subject: string, startAt: StartPosition, onBatch: (messages: BusMessage[]) => Promise<void>): Promise<number> {
    const last = await this.lastMessage(subject);
    if (!last) return 0;
    const stan = await this.connected();
    // No durable: a throw-away subscription, acked batch by batch (max in flight is the read-ahead).
    const sub = stan.subscribe(subject, subscriptionOptions(stan, { durable: '', startAt, maxInFlight: 1000, ackWaitMs: 60_000 }));
    let pending: Message[] = [];
    let received = 0;
    let count = 0;
    let lastArrival = Date.now();
    let seenEnd = false;
    sub.on('message', (m: Message) => {
      received++;
      lastArrival = Date.now();
      if (seenEnd) return;
      if (m.getSequence() <= last.sequence) pending.push(m);
      if (m.getSequence() >= last.sequence) seenEnd = true;
    });
    try {
      await subscriptionReady(sub);
      await this.initialDeliveryDone(stan);
      if (received === 0) return 0;
      await new Promise<void>((resolve, reject) => {
        sub.once('error', reject);
        const flush = async (): Promise<void> => {
          const taken = pending;
          pending = [];
          if (taken.length > 0) {
            await onBatch(taken.map((m) => toBusMessage(subject, m)));
            count += taken.length;
            for (const m of taken) m.ack();
            // The server sends more only after these acks: quiet is counted from here.
            lastArrival = Date.now();
          }
          if (seenEnd && pending.length === 0) resolve();
          else if (Date.now() - lastArrival > HISTORY_IDLE_MS && pending.length === 0) {
            reject(new HistoryReadError(`${subject}: no message for ${HISTORY_IDLE_MS} ms before the end message ${last.sequence} (${count} read); removed by channel limits while reading?`));
          } else setTimeout(() => flush().catch(reject), taken.length >= 500 ? 0 : 20);
        };
        flush().catch(reject);
      });
    } finally {
      await endSubscription(sub);
    }
    return count;
  }

  /** A client cannot delete STAN channels; the server drops idle ones per its max_inactivity. */
  async destroyChannels(): Promise<void> {}

  async close(): Promise<void> {
    this.closing = true;
    for (const live of [...this.live]) await this.detach(live, 'close');
    await new Promise<void>((resolve) => {
      this.stan.once('close', () => resolve());
      this.stan.close();
    });
  }

  private watch(stan: Stan): void {
    stan.on('error', logConnectionErrors(this.log, 'nats streaming'));
    // The NATS reconnect does not bring the STAN session back: build a new one.
    stan.on('connection_lost', (error: Error) => {
      this.log.warn({ err: error }, 'NATS Streaming connection lost; reconnecting');
      void this.reconnect();
    });
  }

  private reconnect(): Promise<void> {
    this.reconnecting ??= (async () => {
      for (let attempt = 1; !this.closing; attempt++) {
        try {
          const stan = await openStan(this.options);
          this.stan = stan;
          this.watch(stan);
          for (const live of this.live) {
            live.lastAcked = 0;
            await this.attach(live, stan);
          }
          this.log.info({ attempt }, 'NATS Streaming reconnected; durables re-subscribed');
          return;
        } catch (error) {
          this.log.warn({ err: error, attempt }, 'NATS Streaming reconnect failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * attempt)));
        }
      }
    })().finally(() => {
      this.reconnecting = undefined;
    });
    return this.reconnecting;
  }

  private async connected(): Promise<Stan> {
    if (this.reconnecting) await this.reconnecting;
    return this.stan;
  }
}

function subscriptionReady(sub: Subscription): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    sub.once('ready', () => resolve());
    sub.once('error', reject);
    sub.once('timeout', reject);
  });
}

/**
 * Unsubscribes a throw-away subscription and waits for the server's answer: a bus closed right
 * after would otherwise race its own unsubscribe ("unsub request for missing inbox" on the server).
 */
function endSubscription(sub: Subscription): Promise<void> {
  // Without an ack inbox the server never took the subscription: nothing to end there.
  if (sub.isClosed() || (sub as Subscription & { ackInbox?: string }).ackInbox === undefined) return Promise.resolve();
  return new Promise<void>((resolve) => {
    sub.once('unsubscribed', () => resolve());
    sub.once('error', () => resolve());
    sub.once('timeout', () => resolve());
    sub.unsubscribe();
  });
}

function toBusMessage(subject: string, m: Message): BusMessage {
  return { subject, sequence: m.getSequence(), data: m.getRawData(), timestamp: m.getTimestamp(), redelivered: m.isRedelivered() };
}

function openStan(options: StanBusOptions): Promise<Stan> {
  return new Promise((resolve, reject) => {
    const stan = stanClient.connect(options.clusterId, options.clientId, {
      url: options.url,
      name: `${options.clientId}-${randomBytes(3).toString('hex')}`,
      reconnect: true,
      maxReconnectAttempts: -1,
      maxPubAcksInflight: options.publishWindow ?? 2000,
    });
    let connected = false;
    stan.once('connect', () => {
      connected = true;
      resolve(stan);
    });
    // A client refused at connect (wrong credentials, no server) is dropped: the caller logs why.
    // Errors after the connect go to the listener watch() adds.
    stan.once('error', (error: Error) => {
      if (connected) return;
      stan.on('error', () => {});
      try {
        stan.close();
      } catch {
        // never connected: nothing to close
      }
      reject(error);
    });
  });
}

/** Manual acks, max in flight (default 1), ack wait in whole seconds >= 1, start position. */
export function subscriptionOptions(stan: Pick<Stan, 'subscriptionOptions'>, options: SubscribeOptions): SubscriptionOptions {
  const opts = stan.subscriptionOptions().setManualAckMode(true).setMaxInFlight(options.maxInFlight ?? 1);
  opts.setAckWait(Math.max(1, Math.ceil((options.ackWaitMs ?? 30_000) / 1000)) * 1000);
  if (options.durable) opts.setDurableName(options.durable);
  const position = validateStartPosition(options.startAt ?? { from: 'all' });
  switch (position.from) {
    case 'all':
      return opts.setDeliverAllAvailable();
    case 'last_received':
      return opts.setStartWithLastReceived();
    case 'sequence':
      return opts.setStartAtSequence(position.sequence);
    case 'time':
      return opts.setStartTime(position.time);
    case 'delta':
      return opts.setStartAtTimeDelta(position.ms);
  }
}
