import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AggregateDefinition } from '../commands/domain/aggregate.ts';
import { CommandRegistry } from '../commands/domain/registry.ts';
import { EventStoreError } from '../errors.ts';
import type { Projection } from '../projections/projection.ts';
import { validateBusName } from '../bus/errors.ts';

type Env = Record<string, string | undefined>;

/**
 * The composition root a team owns: its aggregates, its projections and default settings. One
 * module (eventstore.config.js / .mjs / .ts) exports it as default; every entry point (the CLI's
 * subcommands, the Docker image, startEventStore) reads it.
 */
export interface EventStoreConfig {
  /** The aggregates whose commands this deployment queues and runs. */
  aggregates: readonly AggregateDefinition<any>[];
  /** The read models kept up to date from the events (their tables, migrations and queries). */
  projections?: readonly Projection[];
  /**
   * Defaults for the settings that are read from the environment (docs/operations.md, "Configuration"), by
   * their variable names: `{ NATS_PREFIX: 'shop', QUEUE_NAME: 'shop-commands' }`. A variable that
   * is set in the environment wins, so one config serves every environment.
   */
  settings?: Readonly<Record<string, string | number | boolean>>;
}

/** Identity, for type inference and checking in the user's config module. */
export function defineConfig<C extends EventStoreConfig>(config: C): C {
  return config;
}

/** What a process runs, resolved from a config: the registry, the projections by name, the settings. */
export interface Deployment {
  /** Where the config came from (a file path, or "inline" for a config passed in code). */
  source: string;
  registry: CommandRegistry;
  projections: ReadonlyMap<string, Projection>;
  /** The environment with the config's settings filled in where a variable is not set. */
  env: Env;
}

/** No config module where one was looked for. */
export class ConfigNotFoundError extends EventStoreError {
  override readonly code = 'config_not_found';
}

/** The config module exists but does not export a usable config; `problems` names each defect. */
export class InvalidConfigModuleError extends EventStoreError {
  override readonly code = 'invalid_config_module';
  constructor(readonly source: string, readonly problems: string[], options?: { cause?: unknown }) {
    super(`${source} is not a usable event store config:\n  - ${problems.join('\n  - ')}`, options);
  }
}

/** File names looked for in the working directory, in this order. */
export const CONFIG_FILE_NAMES = ['eventstore.config.js', 'eventstore.config.mjs', 'eventstore.config.ts', 'eventstore.config.mts'];

/**
 * Finds the config module (an explicit path, else EVENTSTORE_CONFIG, else the first of
 * CONFIG_FILE_NAMES in `cwd`), imports it and resolves it.
 * @throws ConfigNotFoundError, InvalidConfigModuleError
 */
export async function loadDeployment(options: { path?: string; cwd?: string; env?: Env } = {}): Promise<Deployment> {
  const env = options.env ?? process.env;
  const source = findConfig(options.path ?? env.EVENTSTORE_CONFIG, options.cwd ?? process.cwd());
  const module = await importConfig(source);
  return resolveDeployment(module.default ?? module.config, source, env);
}

/** The config module's path, or undefined when there is none (for commands that can do without). */
export function findConfigIfAny(path: string | undefined, cwd: string): string | undefined {
  try {
    return findConfig(path, cwd);
  } catch (error) {
    if (error instanceof ConfigNotFoundError && path === undefined) return undefined;
    throw error;
  }
}

/** A config given in code (startEventStore, tests) resolved like one read from a file. */
export function resolveDeployment(config: unknown, source = 'inline', env: Env = process.env): Deployment {
  const problems = checkConfig(config);
  if (problems.length > 0) throw new InvalidConfigModuleError(source, problems);
  const { aggregates, projections = [], settings = {} } = config as EventStoreConfig;
  let registry: CommandRegistry;
  try {
    registry = new CommandRegistry([...aggregates]);
  } catch (error) {
    throw new InvalidConfigModuleError(source, [(error as Error).message], { cause: error });
  }
  return {
    source,
    registry,
    projections: new Map(projections.map((projection) => [projection.name, projection])),
    env: { ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, String(value)])), ...definedOnly(env) },
  };
}

function findConfig(path: string | undefined, cwd: string): string {
  if (path !== undefined && path !== '') {
    const file = isAbsolute(path) ? path : resolve(cwd, path);
    if (!existsSync(file)) throw new ConfigNotFoundError(`no config module at ${file}`);
    return file;
  }
  const found = CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((file) => existsSync(file));
  if (!found) {
    throw new ConfigNotFoundError(
      `no event store config in ${cwd} (looked for ${CONFIG_FILE_NAMES.join(', ')}); pass --config <file>, set EVENTSTORE_CONFIG, or create one with \`eventstore init\``,
    );
  }
  return found;
}

async function importConfig(file: string): Promise<{ default?: unknown; config?: unknown }> {
  if (/\.m?ts$/.test(file)) await enableTypeScript(file);
  try {
    return await import(pathToFileURL(file).href);
  } catch (error) {
    throw new InvalidConfigModuleError(file, [`importing it failed: ${(error as Error).message}`], { cause: error });
  }
}

let typeScriptEnabled = false;

/** A TypeScript config runs through tsx when the project has it; the package itself never needs it. */
async function enableTypeScript(file: string): Promise<void> {
  if (typeScriptEnabled) return;
  try {
    const { register } = await import('tsx/esm/api');
    register();
    typeScriptEnabled = true;
  } catch (error) {
    throw new InvalidConfigModuleError(file, ['a TypeScript config needs tsx in the project (npm install --save-dev tsx), or compile it to .js'], { cause: error });
  }
}

function checkConfig(config: unknown): string[] {
  if (config === null || typeof config !== 'object') return ['it must export a config as default: export default defineConfig({ aggregates: [...] })'];
  const { aggregates, projections, settings } = config as Partial<EventStoreConfig>;
  const problems: string[] = [];
  if (!Array.isArray(aggregates)) problems.push('aggregates must be an array of aggregate definitions (defineAggregate)');
  if (projections !== undefined) {
    if (!Array.isArray(projections)) problems.push('projections must be an array of projections (defineProjection)');
    else problems.push(...projectionProblems(projections));
  }
  if (settings !== undefined && (settings === null || typeof settings !== 'object' || Array.isArray(settings))) {
    problems.push('settings must map setting names (as environment variables) to values');
  }
  return problems;
}

function projectionProblems(projections: readonly Projection[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const [i, projection] of projections.entries()) {
    try {
      validateBusName(`projections[${i}].name`, projection?.name as string);
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    if (names.has(projection.name)) problems.push(`projection ${projection.name} is listed twice`);
    names.add(projection.name);
    if (!Array.isArray(projection.eventTypes)) problems.push(`projection ${projection.name}: eventTypes must be an array of event types`);
    if (typeof projection.handle !== 'function') problems.push(`projection ${projection.name}: handle must be a function`);
  }
  return problems;
}

function definedOnly(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}
