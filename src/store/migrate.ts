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

/** The files in sql/, in order. Names are NNN_what.sql; numbers must be unique. */
export async function loadMigrations(dir = SQL_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new MigrationError(`sql/${file}: migration files are named NNN_what.sql`);
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) throw new MigrationError(`sql/${file}: version ${version} is used twice`);
    migrations.push({ version, name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/**
 * Brings the database at `databaseUrl` up to date: creates the database if it does not exist,
 * then applies each pending migration in its own transaction, under an advisory lock so that
 * processes starting together do not race. Re-running is a no-op. An applied migration whose file
 * changed since is an error: history is not rewritten silently.
 */
export async function migrate(databaseUrl: string, options: { dir?: string } = {}): Promise<MigrateResult> {
  await createDatabaseIfMissing(databaseUrl);
  const migrations = await loadMigrations(options.dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version int PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query('SELECT version, name, checksum FROM schema_migrations');
    const applied = new Map(rows.map((r) => [r.version as number, r]));
    const result: MigrateResult = { applied: [], alreadyApplied: 0 };
    for (const migration of migrations) {
      const done = applied.get(migration.version);
      if (done) {
        if (done.checksum !== migration.checksum) {
          throw new MigrationError(
            `migration ${migration.version}_${migration.name} was changed after it was applied; add a new migration instead`,
          );
        }
        result.alreadyApplied++;
        continue;
      }
      await applyOne(client, migration);
      result.applied.push(`${String(migration.version).padStart(3, '0')}_${migration.name}`);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
}

async function applyOne(client: pg.Client, migration: Migration): Promise<void> {
  try {
    await client.query('BEGIN');
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      migration.checksum,
    ]);
    await client.query('COMMIT');
  } catch (cause) {
    await client.query('ROLLBACK').catch(() => {});
    throw new MigrationError(`migration ${migration.version}_${migration.name} failed: ${(cause as Error).message}`, { cause });
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
