import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate } from '../../src/store/migrate.ts';
import { waitUntil } from '../support/wait.ts';
import { TempPostgres } from './support/servers.ts';

/**
 * The application role is cluster-wide, the migration that creates it runs per database, and the
 * migration lock is per database: several databases of one cluster migrating at once race to
 * create the role. This needs a cluster where the role does not exist yet, so it starts its own.
 */
describe('creating the application role in a fresh cluster', () => {
  let server: TempPostgres;

  async function adminClient(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: server.url('postgres') });
    await client.connect();
    return client;
  }

  before(async () => {
    server = await TempPostgres.start();
  });
  after(() => server?.stop());

  it('lets databases race to create the one role: the losers wait for the winner, then go on', async () => {
    // Every database at the schema before 040; then 040 runs in all of them while the first one's
    // transaction, which created the role, is still open: the others block on the role's unique
    // name and must get past the duplicate once the first commits.
    const migrations = await mkdtemp(join(tmpdir(), 'eventstore-sql-'));
    await copyFile(fileURLToPath(new URL('../../sql/001_event_store.sql', import.meta.url)), join(migrations, '001_event_store.sql'));
    const roleSql = await readFile(fileURLToPath(new URL('../../sql/040_application_role.sql', import.meta.url)), 'utf8');
    const names = ['one', 'two', 'three', 'four', 'five'].map((n) => `race_${n}`);
    const clients = await Promise.all(names.map(async (name) => {
      await migrate(server.url(name), { dir: migrations });
      const client = new pg.Client({ connectionString: server.url(name) });
      await client.connect();
      return client;
    }));
    await rm(migrations, { recursive: true });
    try {
      const [first, ...others] = clients as [pg.Client, ...pg.Client[]];
      await first.query('BEGIN');
      await first.query(roleSql);
      const racing = others.map(async (client) => {
        await client.query('BEGIN');
        await client.query(roleSql);
        await client.query('COMMIT');
      });
      const admin = await adminClient();
      await waitUntil(async () => {
        const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname LIKE 'race_%'`);
        return rows[0].n === others.length;
      }, 'the other databases to wait for the role', 20_000);
      await admin.end();
      await first.query('COMMIT');
      await Promise.all(racing);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    const admin = await adminClient();
    try {
      const { rows } = await admin.query(`SELECT rolname, rolsuper, rolcanlogin FROM pg_roles WHERE rolname = 'eventstore_app'`);
      assert.deepEqual(rows, [{ rolname: 'eventstore_app', rolsuper: false, rolcanlogin: true }]);
    } finally {
      await admin.end();
    }
    for (const name of names) {
      const app = new pg.Client({ connectionString: server.url(name, 'eventstore_app') });
      await app.connect();
      try {
        await app.query(`INSERT INTO streams (aggregate_id, aggregate_type, version) VALUES ('a', 'Order', 1)`);
        await assert.rejects(app.query('TRUNCATE events'), /permission denied/);
      } finally {
        await app.end();
      }
    }
  });

  it('lets several databases run every migration at once', async () => {
    const results = await Promise.all(['p1', 'p2', 'p3'].map((name) => migrate(server.url(name))));
    for (const result of results) assert.ok(result.applied.includes('040_application_role'));
  });

  it('refuses to grant to a pre-existing role that is a superuser', async () => {
    const admin = await adminClient();
    try {
      await admin.query('ALTER ROLE eventstore_app SUPERUSER');
      await assert.rejects(migrate(server.url('race_super')), /eventstore_app exists with SUPERUSER/);
    } finally {
      await admin.query('ALTER ROLE eventstore_app NOSUPERUSER');
      await admin.end();
    }
  });
});
