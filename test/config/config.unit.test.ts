import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bullJobOptions } from '../../src/commands/gate/job-options.ts';
import { apiAuth, loadConfig, redactUrl } from '../../src/config/env.ts';
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

  it('refuses an API_TOKEN that would silently turn auth off or never match, without printing it', () => {
    const problem = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 1, error.message);
        return error.message;
      }
      assert.fail(`accepted ${JSON.stringify(env)}`);
    };
    assert.match(problem({ API_TOKEN: '' }), /API_TOKEN is set but empty/);
    for (const token of ['t0ken-one tw0-s3cret', ' leading-s3cret', 'trailing-s3cret\n', 'tab-x\ts3cret-y']) {
      const message = problem({ API_TOKEN: token });
      assert.match(message, /API_TOKEN contains whitespace/);
      for (const part of token.split(/\s+/).filter(Boolean)) assert.ok(!message.includes(part), `the message shows the token: ${message}`);
    }
    assert.match(problem({ API_TOKEN: 'tok', API_AUTH: 'none' }), /API_AUTH=none and API_TOKEN are both set/);
    assert.match(problem({ API_AUTH: 'off' }), /API_AUTH must be "token" .* or "none"/);
    assert.match(problem({ API_AUTH: 'token' }), /API_AUTH=token needs API_TOKEN/);
  });

  it('runs without a token only on a loopback HOST or with API_AUTH=none', () => {
    assert.equal(loadConfig({}).http.apiToken, undefined); // the local quick start: 127.0.0.1
    assert.equal(loadConfig({ HOST: 'localhost' }).http.apiToken, undefined);
    assert.equal(loadConfig({ HOST: '::1' }).http.apiToken, undefined);
    assert.throws(() => loadConfig({ HOST: '0.0.0.0' }), /API_TOKEN is not set and HOST=0\.0\.0\.0 is not a loopback address: set API_TOKEN, or API_AUTH=none/);
    assert.equal(loadConfig({ HOST: '0.0.0.0', API_AUTH: 'none' }).http.apiToken, undefined);
    assert.equal(loadConfig({ HOST: '0.0.0.0', API_TOKEN: 'a-good-token' }).http.apiToken, 'a-good-token');
    assert.equal(loadConfig({ HOST: '0.0.0.0', API_TOKEN: 'a-good-token', API_AUTH: 'token' }).http.apiToken, 'a-good-token');
    assert.match(apiAuth(loadConfig({})), /^none: no API_TOKEN, and HOST=127\.0\.0\.1 is reachable from this machine only/);
    assert.equal(apiAuth(loadConfig({ HOST: '0.0.0.0', API_AUTH: 'none' })), 'none (API_AUTH=none)');
    assert.equal(apiAuth(loadConfig({ API_TOKEN: 'a-good-token' })), 'bearer token (API_TOKEN)');
  });

  it('bounds finished commands in Redis by age and by count, both settable', () => {
    assert.deepEqual(loadConfig({}).jobs, { keepCompleted: 10_000, keepCompletedSeconds: 86_400, keepFailed: 10_000, keepFailedSeconds: 604_800 });
    const set = loadConfig({ COMPLETED_COMMANDS_KEEP: '500', COMPLETED_COMMANDS_KEEP_SECONDS: '3600', FAILED_COMMANDS_KEEP: '50', FAILED_COMMANDS_KEEP_SECONDS: '60' });
    assert.deepEqual(set.jobs, { keepCompleted: 500, keepCompletedSeconds: 3600, keepFailed: 50, keepFailedSeconds: 60 });
    assert.deepEqual(bullJobOptions(set.jobs).removeOnComplete, { age: 3600, count: 500 });
    assert.deepEqual(bullJobOptions(set.jobs).removeOnFail, { age: 60, count: 50 });
    assert.throws(() => loadConfig({ COMPLETED_COMMANDS_KEEP: '0' }), /COMPLETED_COMMANDS_KEEP must be a whole number from 1 to/);
    assert.throws(() => loadConfig({ FAILED_COMMANDS_KEEP_SECONDS: '-1' }), /FAILED_COMMANDS_KEEP_SECONDS must be a whole number from 1 to/);
  });

  it('redacts the password of a URL', () => {
    assert.equal(redactUrl('postgres://app:hunter2@db:5432/es'), 'postgres://app:***@db:5432/es');
  });
});
