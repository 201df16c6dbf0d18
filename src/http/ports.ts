import type { QueuedAggregate } from '../commands/gate/gate.ts';
import type { CommandStatus } from '../commands/gate/command-client.ts';
import type { SendCommand as CommandRequest } from '../commands/gate/command-job.ts';
import type { CommandOutcome } from '../envelope/codec.ts';

/**
 * What the HTTP layer needs from the rest of the system, as narrow interfaces: the server is
 * built with the real implementations (CommandClient, EventStore), and nothing
 * here depends on how they work. Commands keep the command client's own types.
 */
export type { CommandRequest, CommandStatus };

/** CommandClient (src/commands) is one. */
export interface CommandPort {
  send(command: CommandRequest): Promise<{ commandId: string }>;
  /** @throws an error with code 'command_timeout' when no outcome came in time (the command stays queued) */
  sendAndWait(command: CommandRequest, options: { timeoutMs: number }): Promise<CommandOutcome>;
  getCommand(commandId: string): Promise<CommandStatus | undefined>;
  haltedAggregates(): Promise<Array<{ aggregateId: string }>>;
  /** One page of the aggregates with queued commands (see CommandGate.listAggregates). */
  listAggregates?(cursor: string, count: number): Promise<{ aggregates: QueuedAggregate[]; nextCursor: string | undefined }>;
  /** @throws an error with code 'aggregate_not_halted' */
  resumeAggregate(aggregateId: string): Promise<void>;
}

export interface AggregatePort {
  /** The aggregate's current state, or undefined when it has no events. */
  load(aggregateId: string): Promise<{ aggregateType: string; state: unknown; version: number } | undefined>;
}
