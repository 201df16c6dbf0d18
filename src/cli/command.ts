import { parseArgs, type ParseArgsConfig } from 'node:util';
import { findConfigIfAny, loadDeployment, type Deployment } from '../config/user-config.ts';
import { InvalidInputError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** One `eventstore` subcommand: its help text, its options and what it does. */
export interface CliCommand<O extends Options = Options> {
  name: string;
  summary: string;
  /** Usage line after `eventstore <name>`, e.g. "<aggregateId> [--from-version N]". */
  usage: string;
  /** Longer help: one line per option or remark. */
  details?: string[];
  options: O;
  run(args: { positionals: string[]; values: Record<string, string | boolean | undefined> }): Promise<number | void>;
}

/** A mistake on the command line: printed with the subcommand's usage, exit code 2. */
export class UsageError extends InvalidInputError {
  override readonly code = 'usage';
}

export function defineCommand<O extends Options>(command: CliCommand<O>): CliCommand {
  return command as unknown as CliCommand;
}

export function helpOf(command: CliCommand): string {
  return [
    `eventstore ${command.name} ${command.usage}`.trimEnd(),
    '',
    `  ${command.summary}`,
    ...(command.details?.length ? ['', ...command.details.map((line) => `  ${line}`)] : []),
    '',
    '  --config FILE: the config module (default: EVENTSTORE_CONFIG, else eventstore.config.{js,mjs,ts,mts} here)',
  ].join('\n');
}

/** The deployment the command's --config (or the default config module) describes. */
export async function deploymentOf(values: Record<string, string | boolean | undefined>): Promise<Deployment> {
  return loadDeployment({ path: typeof values.config === 'string' ? values.config : undefined });
}

/**
 * The environment for commands that talk to a running server (send, status...): the config's
 * settings where a config exists, else the environment alone.
 */
export async function settingsOf(values: Record<string, string | boolean | undefined>): Promise<Record<string, string | undefined>> {
  const path = typeof values.config === 'string' ? values.config : process.env.EVENTSTORE_CONFIG || undefined;
  return findConfigIfAny(path, process.cwd()) ? (await loadDeployment({ path })).env : process.env;
}

/** Options every subcommand takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  config: { type: 'string' },
} as const;

export function parse(command: CliCommand, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...command.options, ...COMMON_OPTIONS }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function requirePositional(positionals: string[], index: number, name: string): string {
  const value = positionals[index];
  if (value === undefined || value === '') throw new UsageError(`missing <${name}>`);
  return value;
}

export function integerOption(value: string | boolean | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== 'string' || !Number.isSafeInteger(number) || number < min) {
    throw new UsageError(`--${name} must be a whole number >= ${min}, got "${String(value)}"`);
  }
  return number;
}
