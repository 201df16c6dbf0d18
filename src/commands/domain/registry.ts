import { InvalidInputError } from '../../errors.ts';
import { validateTypeName } from '../../store/validation.ts';
import type { AggregateDefinition } from './aggregate.ts';
import { InvalidCommandPayloadError, UnknownCommandTypeError } from './errors.ts';

/**
 * Which aggregate handles which command type, and the payload schema of each. Used at both ends:
 * the client refuses bad commands before anything is queued, the worker re-checks what it dequeues.
 */
export class CommandRegistry {
  private readonly byCommand = new Map<string, AggregateDefinition<any>>();
  private readonly byType = new Map<string, AggregateDefinition<any>>();

  constructor(aggregates: AggregateDefinition<any>[]) {
    for (const aggregate of aggregates) {
      validateTypeName('aggregate type', aggregate.type);
      if (this.byType.has(aggregate.type)) throw new InvalidInputError(`aggregate type ${aggregate.type} is registered twice`);
      this.byType.set(aggregate.type, aggregate);
      for (const commandType of Object.keys(aggregate.commands)) {
        validateTypeName('command type', commandType);
        const other = this.byCommand.get(commandType);
        if (other) throw new InvalidInputError(`command type ${commandType} is handled by both ${other.type} and ${aggregate.type}`);
        this.byCommand.set(commandType, aggregate);
      }
      for (const eventType of Object.keys(aggregate.events ?? {})) validateTypeName(`event type of ${aggregate.type}`, eventType);
    }
  }

  /** @throws UnknownCommandTypeError */
  aggregateFor(commandType: unknown): AggregateDefinition<any> {
    const aggregate = typeof commandType === 'string' ? this.byCommand.get(commandType) : undefined;
    if (!aggregate) throw new UnknownCommandTypeError(commandType, this.commandTypes());
    return aggregate;
  }

  /** The aggregate definition of an aggregate type, if registered. */
  aggregate(aggregateType: string): AggregateDefinition<any> | undefined {
    return this.byType.get(aggregateType);
  }

  /**
   * Checks a payload against its command type's schema and returns the parsed payload.
   * @throws UnknownCommandTypeError, InvalidCommandPayloadError
   */
  validate(commandType: unknown, payload: unknown): { aggregate: AggregateDefinition<any>; payload: unknown } {
    const aggregate = this.aggregateFor(commandType);
    const result = aggregate.commands[commandType as string]!.safeParse(payload);
    if (!result.success) {
      const issues = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(payload)'}: ${i.message}`);
      throw new InvalidCommandPayloadError(commandType as string, issues, { cause: result.error });
    }
    return { aggregate, payload: result.data };
  }

  commandTypes(): string[] {
    return [...this.byCommand.keys()];
  }
}
