import type { StartPosition } from './start-position.ts';

export type { StartPosition } from './start-position.ts';

/** One message to publish; `msgId` lets the server drop a re-publish (JetStream Nats-Msg-Id). */
export interface PublishMessage {
  data: Uint8Array;
  msgId: string;
}

export interface PublishBatchOptions {
  /**
   * Fencing (JetStream only): the channel's last sequence the first message must follow. The
   * server refuses a message whose predecessor is not what the publisher believes, so a stale
   * publisher cannot interleave with a newer one. NATS Streaming has no conditional publish.
   */
  expectedLastSequence?: number;
}

/** A message as a subscriber receives it. */
export interface BusMessage {
  subject: string;
  /** The channel (stream) sequence: 1, 2, 3 ... in publish order. */
  sequence: number;
  data: Uint8Array;
  /** When the server stored the message. */
  timestamp: Date;
  redelivered: boolean;
}

/**
 * Processes one message. Resolving acks it; throwing leaves it unacked: the SAME message comes
 * back after a short delay (nothing behind it is delivered first on a strict-order subscription).
 */
export type MessageHandler = (message: BusMessage) => Promise<void>;

export interface SubscribeOptions {
  /** Durable name: the server keeps this subscription's position while it is away. Letters, digits, '-', '_'. */
  durable: string;
  /** Where a NEW durable starts (default all). An existing durable resumes and ignores it. */
  startAt?: StartPosition;
  /** How long the server waits for an ack before redelivering, in ms (default 30 000; STAN: whole seconds). */
  ackWaitMs?: number;
  /**
   * Queue group: members sharing it split the messages, each message to one member. For
   * order-insensitive reactors only; use with maxInFlight > 1 for throughput.
   */
  queue?: string;
  /** Unacked messages allowed at once (default 1: strict order). */
  maxInFlight?: number;
}

export interface BusSubscription {
  /** Stops delivery and keeps the durable (its position stays on the server). */
  close(): Promise<void>;
  /** Stops delivery and deletes the durable: a later subscribe under this name starts afresh. */
  unsubscribe(): Promise<void>;
}

/** The last message a channel holds. */
export interface LastMessage {
  sequence: number;
  data: Uint8Array;
}

/**
 * A transport for the event log and the channels around it. Two implementations: JetStream
 * (jetstream-bus.ts) and NATS Streaming (stan-bus.ts); one contract test suite covers both.
 */
export interface EventBus {
  readonly transport: 'jetstream' | 'stan';
  /** Channel names of this deployment, all under its prefix. */
  readonly subjects: BusSubjects;
  /** Creates the channels this deployment needs, if missing (idempotent). */
  ensureChannels(): Promise<void>;
  /**
   * Publishes in order with a window of publishes in flight (not one round trip each); resolves
   * when the server has stored every message. On any failure it rejects; the messages after the
   * failed one may or may not be stored, never out of order when `expectedLastSequence` is given.
   * `lastSequence` is the channel sequence of the last message (0 on NATS Streaming, whose publish
   * ack carries no sequence).
   */
  publishBatch(subject: string, messages: PublishMessage[], options?: PublishBatchOptions): Promise<{ lastSequence: number }>;
  /** The last message of a channel, or undefined when it is empty. */
  lastMessage(subject: string): Promise<LastMessage | undefined>;
  subscribe(subject: string, handler: MessageHandler, options: SubscribeOptions): Promise<BusSubscription>;
  /**
   * Reads a channel from `startAt` up to the last message it holds at the time of the call, in
   * batches, without a durable (for rebuilds). Resolves with the number of messages read.
   */
  readHistory(subject: string, startAt: StartPosition, onBatch: (messages: BusMessage[]) => Promise<void>): Promise<number>;
  /** Deletes this deployment's channels and everything in them (tests, teardown). */
  destroyChannels(): Promise<void>;
  close(): Promise<void>;
}

/** The channels of one deployment, named from its prefix (NATS_PREFIX). */
export interface BusSubjects {
  prefix: string;
  /** The event log: every committed event in commit order, as a protobuf EventEnvelope. */
  events: string;
  /** Messages a consumer could not decode, with the reason (see dead-letter.ts). */
  deadLetter: string;
  /** Where the dispatcher republishes events for one subscriber. */
  dispatch(subscriber: string): string;
}

export function busSubjects(prefix: string): BusSubjects {
  return {
    prefix,
    events: `${prefix}.events`,
    deadLetter: `${prefix}.deadletter`,
    dispatch: (subscriber) => `${prefix}.dispatch.${subscriber}`,
  };
}
