/**
 * `eventstore`: the command line of the event store (bin/eventstore runs this file through tsx).
 * Every subcommand has --help. Exit codes: 0 done, 1 failed, 2 wrong usage.
 */
import { EventStoreError } from '../errors.ts';
import { helpOf, parse, UsageError, type CliCommand } from './command.ts';
import { pruneCommands } from './commands/prune.ts';
import { remoteCommands } from './commands/remote.ts';
import { replayCommands } from './commands/replay.ts';
import { roleCommands } from './commands/roles.ts';
import { verifyCommands } from './commands/verify.ts';

const COMMANDS: CliCommand[] = [...roleCommands, ...remoteCommands, ...replayCommands, ...verifyCommands, ...pruneCommands];

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'usage: eventstore <command> [options]     (eventstore <command> --help for its options)',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Configuration comes from the environment (DATABASE_URL, REDIS_URL, NATS_URL, API_TOKEN...: see README).',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    console.error(`eventstore: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  try {
    const { values, positionals } = parse(command, rest);
    if (values.help) {
      console.log(helpOf(command));
      return 0;
    }
    return (await command.run({ values, positionals })) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`eventstore ${name}: ${error.message}\n\n${helpOf(command)}`);
      return 2;
    }
    // Typed errors carry a message written for the user; anything else is a bug: show it whole.
    console.error(`eventstore ${name}: ${error instanceof EventStoreError ? error.message : (error as Error).stack ?? error}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
