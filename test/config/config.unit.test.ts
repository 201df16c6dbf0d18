import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, redactUrl } from '../../src/config/env.ts';
import { ConfigError } from '../../src/errors.ts';

describe('loadConfig', () => {
  it('has local defaults for every service', () => {
    const config = loadConfig({});
    assert.equal(config.databaseUrl, 'postgres://eventstore_app@127.0.0.1:5432/eventstore');
    assert.equal(config.migrationDatabaseUrl, 'postgres://postgres@127.0.0.1:5432/eventstore');
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(config.natsUrl, 'nats://127.0.0.1:4222');
    assert.equal(config.eventBus, 'jetstream');
    assert.equal(config.maxEventBytes, 1024 * 1024);
  });

  it('names every problem at once, without printing passwords', () => {
    const error = (() => {
      try {
        loadConfig({ DATABASE_URL: 'mysql://u:secret@h/db', REDIS_URL: 'nope', EVENT_BUS: 'kafka', PORT: '70000', QUEUE_NAME: 'a b' });
      } catch (e) {
        return e;
      }
    })();
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems.length, 5);
    assert.match(error.message, /DATABASE_URL must start with postgres:/);
    assert.match(error.message, /EVENT_BUS must be one of jetstream, stan/);
    assert.match(error.message, /PORT must be a whole number/);
    assert.doesNotMatch(error.message, /secret/);
  });

  it('needs STAN_URL for the NATS Streaming bus', () => {
    assert.throws(() => loadConfig({ EVENT_BUS: 'stan' }), /EVENT_BUS=stan needs STAN_URL/);
    assert.equal(loadConfig({ EVENT_BUS: 'stan', STAN_URL: 'nats://127.0.0.1:4223' }).eventBus, 'stan');
  });

  it('connects the services as the application role and migrations as the owner', () => {
    const split = loadConfig({
      DATABASE_URL: 'postgres://eventstore_app:pw@db:5432/prod',
      MIGRATION_DATABASE_URL: 'postgres://owner:pw2@db:5432/prod',
    });
    assert.equal(split.databaseUrl, 'postgres://eventstore_app:pw@db:5432/prod');
    assert.equal(split.migrationDatabaseUrl, 'postgres://owner:pw2@db:5432/prod');
    // One URL for both: migrations use it too, as before.
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://u@db/x' }).migrationDatabaseUrl, 'postgres://u@db/x');
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'postgres://a@db/one', MIGRATION_DATABASE_URL: 'postgres://b:secret@db/two' }),
      (error: Error) => /must name the same database/.test(error.message) && !/secret/.test(error.message),
    );
  });

  it('redacts the password of a URL', () => {
    assert.equal(redactUrl('postgres://app:hunter2@db:5432/es'), 'postgres://app:***@db:5432/es');
  });
});
