/**
 * `eventstore`: the command line of the event store (bin/eventstore.mjs calls main()). Every
 * subcommand has --help and --config. Exit codes: 0 done, 1 failed, 2 wrong usage.
 */
import { EventStoreError } from '../errors.ts';
import { helpOf, parse, UsageError, type CliCommand } from './command.ts';
import { initCommands } from './commands/init.ts';
import { pruneCommands } from './commands/prune.ts';
import { remoteCommands } from './commands/remote.ts';
import { replayCommands } from './commands/replay.ts';
import { roleCommands } from './commands/roles.ts';
import { verifyCommands } from './commands/verify.ts';

const COMMANDS: CliCommand[] = [...roleCommands, ...remoteCommands, ...replayCommands, ...verifyCommands, ...pruneCommands, ...initCommands];

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'usage: eventstore <command> [options]     (eventstore <command> --help for its options)',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'What runs comes from your config module (eventstore.config.js/.mjs/.ts here, EVENTSTORE_CONFIG, or --config);',
    'settings from the environment (DATABASE_URL, REDIS_URL, NATS_URL, API_TOKEN...: docs/operations.md).',
    'eventstore --version prints the version.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(await packageVersion());
    return 0;
  }
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


async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
