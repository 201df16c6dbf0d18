import assert from 'node:assert/strict';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MigrationError } from '../../src/errors.ts';
import { migrate } from '../../src/store/migrate.ts';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

describe('migrate', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  after(() => db.drop());

  it('applies every migration once, even when processes start together', async () => {
    const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
    const appliedByAll = results.flatMap((r) => r.applied);
    assert.ok(appliedByAll.includes('001_event_store'));
    assert.equal(new Set(appliedByAll).size, appliedByAll.length, 'no migration ran twice');
    const again = await migrate(db.url);
    assert.deepEqual(again.applied, []);
    assert.ok(again.alreadyApplied >= 1);
  });

  it('creates the database when it does not exist', async () => {
    const url = new URL(db.url);
    url.pathname = `${url.pathname}_created`;
    const result = await migrate(url.toString());
    assert.ok(result.applied.includes('001_event_store'));
    const cleanup = await createTestDatabase({ migrate: false });
    await cleanup.pool.query(`DROP DATABASE "${url.pathname.slice(1)}" WITH (FORCE)`);
    await cleanup.drop();
  });

  it('refuses to run when an applied migration was changed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sql-'));
    await cp(fileURLToPath(new URL('../../sql/', import.meta.url)), dir, { recursive: true });
    await writeFile(join(dir, '001_event_store.sql'), '-- edited after the fact\n', { flag: 'a' });
    await assert.rejects(migrate(db.url, { dir }), (e: unknown) => e instanceof MigrationError && /was changed/.test(e.message));
  });

  it("applies each projection's own migrations with a history of their own, which the services cannot write", async () => {
    const tickets = { name: 'tickets', migrations: [{ version: 1, name: 'tickets_view', sql: 'CREATE TABLE tickets_view (id text PRIMARY KEY)' }] };
    const audit = { name: 'audit', migrations: [{ version: 1, name: 'audit_log', sql: 'CREATE TABLE audit_log (id text PRIMARY KEY)' }] };
    const first = await migrate(db.url, { projections: [tickets, audit] });
    assert.deepEqual(first.applied.filter((label) => label.startsWith('projection')), ['projection tickets: 001_tickets_view', 'projection audit: 001_audit_log']);
    const second = await migrate(db.url, { projections: [tickets, { ...audit, migrations: [...audit.migrations, { version: 2, name: 'more', sql: 'ALTER TABLE audit_log ADD COLUMN at timestamptz' }] }] });
    assert.deepEqual(second.applied, ['projection audit: 002_more'], 'numbered per projection: version 2 of audit, nothing of tickets');
    await assert.rejects(
      migrate(db.url, { projections: [{ ...tickets, migrations: [{ ...tickets.migrations[0]!, sql: 'CREATE TABLE tickets_view (id text)' }] }] }),
      (e: unknown) => e instanceof MigrationError && /projection tickets: 001_tickets_view was changed/.test(e.message),
    );
    const app = new URL(db.url);
    app.username = 'eventstore_app';
    const client = new pg.Client({ connectionString: app.toString() });
    await client.connect();
    try {
      await assert.rejects(client.query("DELETE FROM projection_migrations WHERE projection = 'tickets'"), /permission denied/);
    } finally {
      await client.end();
    }
  });
});
