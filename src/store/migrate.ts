import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MigrationError } from '../errors.ts';

const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));
/** Any fixed number; every migrating process takes this advisory lock, so they run one at a time. */
const MIGRATION_LOCK = 7_240_117_001;
const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/** A migration as a projection declares it: inline, or read from a folder of NNN_what.sql files. */
export interface MigrationSource {
  version: number;
  name: string;
  sql: string;
}

/**
 * What owns tables besides the store: a projection, whose migrations have a version history of
 * their own (table projection_migrations), so teams number them independently of the store's.
 */
export interface MigrationOwner {
  name: string;
  migrations?: readonly MigrationSource[] | string | URL;
}

/** The files of a folder (default: the store's sql/), in order. Names are NNN_what.sql; numbers must be unique. */
export async function loadMigrations(dir: string | URL = SQL_DIR): Promise<Migration[]> {
  const path = dir instanceof URL ? fileURLToPath(dir) : dir;
  const files = (await readdir(path)).filter((f) => f.endsWith('.sql')).sort();
  const sources: MigrationSource[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new MigrationError(`${path}/${file}: migration files are named NNN_what.sql`);
    sources.push({ version: Number(match[1]), name: match[2]!, sql: await readFile(`${path}/${file}`, 'utf8') });
  }
  return withChecksums(sources, path);
}

function withChecksums(sources: readonly MigrationSource[], where: string): Migration[] {
  const migrations: Migration[] = [];
  for (const { version, name, sql } of [...sources].sort((a, b) => a.version - b.version)) {
    if (!Number.isSafeInteger(version) || version < 1) throw new MigrationError(`${where}: migration versions are whole numbers >= 1, got ${version}`);
    if (migrations.some((m) => m.version === version)) throw new MigrationError(`${where}: version ${version} is used twice`);
    migrations.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

async function ownerMigrations(owner: MigrationOwner): Promise<Migration[]> {
  const source = owner.migrations;
  if (source === undefined) return [];
  if (typeof source === 'string' || source instanceof URL) return loadMigrations(source);
  return withChecksums(source, `projection ${owner.name}`);
}

/**
 * Brings the database at `databaseUrl` up to date: creates the database if it does not exist,
 * then applies each pending migration in its own transaction, under an advisory lock so that
 * processes starting together do not race. Re-running is a no-op. An applied migration whose file
 * changed since is an error: history is not rewritten silently.
 */
export async function migrate(databaseUrl: string, options: { dir?: string; projections?: readonly MigrationOwner[] } = {}): Promise<MigrateResult> {
  await createDatabaseIfMissing(databaseUrl);
  const migrations = await loadMigrations(options.dir);
  const owned = await Promise.all((options.projections ?? []).map(async (owner) => ({ owner: owner.name, migrations: await ownerMigrations(owner) })));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version int PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const result: MigrateResult = { applied: [], alreadyApplied: 0 };
    await applyPending(client, migrations, STORE_HISTORY, result);
    if (owned.some((o) => o.migrations.length > 0)) {
      await client.query(`CREATE TABLE IF NOT EXISTS projection_migrations (
        projection text NOT NULL, version int NOT NULL, name text NOT NULL, checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (projection, version))`);
      // Created after sql/040_application_role.sql, so its default grants would let the services
      // rewrite migration history: only the owner may.
      await client.query(`DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eventstore_app') THEN
          REVOKE ALL ON projection_migrations FROM eventstore_app;
        END IF; END $$`);
      for (const { owner, migrations } of owned) await applyPending(client, migrations, projectionHistory(owner), result);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}

/** Where one set of migrations records what it applied. */
interface History {
  label: string;
  read: string;
  readParams: unknown[];
  record(migration: Migration): { text: string; values: unknown[] };
}

const STORE_HISTORY: History = {
  label: '',
  read: 'SELECT version, checksum FROM schema_migrations',
  readParams: [],
  record: (m) => ({ text: 'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', values: [m.version, m.name, m.checksum] }),
};

function projectionHistory(projection: string): History {
  return {
    label: `projection ${projection}: `,
    read: 'SELECT version, checksum FROM projection_migrations WHERE projection = $1',
    readParams: [projection],
    record: (m) => ({
      text: 'INSERT INTO projection_migrations (projection, version, name, checksum) VALUES ($1, $2, $3, $4)',
      values: [projection, m.version, m.name, m.checksum],
    }),
  };
}

async function applyPending(client: pg.Client, migrations: Migration[], history: History, result: MigrateResult): Promise<void> {
  const { rows } = await client.query(history.read, history.readParams);
  const applied = new Map(rows.map((r) => [r.version as number, r.checksum as string]));
  for (const migration of migrations) {
    const label = `${history.label}${String(migration.version).padStart(3, '0')}_${migration.name}`;
    const checksum = applied.get(migration.version);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) throw new MigrationError(`migration ${label} was changed after it was applied; add a new migration instead`);
      result.alreadyApplied++;
      continue;
    }
    await applyOne(client, migration, history, label);
    result.applied.push(label);
  }
}

async function applyOne(client: pg.Client, migration: Migration, history: History, label: string): Promise<void> {
  try {
    await client.query('BEGIN');
    await client.query(migration.sql);
    await client.query(history.record(migration));
    await client.query('COMMIT');
  } catch (cause) {
    await client.query('ROLLBACK').catch(() => {});
    throw new MigrationError(`migration ${label} failed: ${(cause as Error).message}`, { cause });
  }
}

/** Connects to the server's maintenance database and creates the target database when absent. */
export async function createDatabaseIfMissing(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new MigrationError('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
      // 42P04: another process created it between our check and our CREATE.
      if (error.code !== '42P04' && error.code !== '23505') throw error;
    });
  } finally {
    await admin.end();
  }
}
