import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigNotFoundError, InvalidConfigModuleError, loadDeployment, resolveDeployment } from '../../src/config/user-config.ts';

/** How every entry point finds and reads a team's config module. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/eventstore.mjs');

const aggregate = (type: string, command: string) => `{
  type: '${type}', commands: { ${command}: { safeParse: (p) => ({ success: true, data: p }) } },
  initialState: () => ({}), decide: () => [], evolve: (s) => s,
}`;
const projection = (name: string) => `{ name: '${name}', eventTypes: ['Happened'], handle: async () => {} }`;

describe('the config module', () => {
  let dir: string;
  const write = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };

  before(async () => {
    await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
    dir = await mkdtemp(join(ROOT, 'test-artifacts', 'config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is found in the working directory, its settings filling only what the environment leaves unset', async () => {
    await write('eventstore.config.mjs', `export default { aggregates: [${aggregate('Thing', 'MakeThing')}], projections: [${projection('things')}],
      settings: { QUEUE_NAME: 'from-config', NATS_PREFIX: 'config', PORT: 4000 } };`);
    const deployment = await loadDeployment({ cwd: dir, env: { NATS_PREFIX: 'from-env' } });
    assert.equal(deployment.source, join(dir, 'eventstore.config.mjs'));
    assert.deepEqual(deployment.registry.commandTypes(), ['MakeThing']);
    assert.deepEqual([...deployment.projections.keys()], ['things']);
    assert.equal(deployment.env.QUEUE_NAME, 'from-config');
    assert.equal(deployment.env.PORT, '4000');
    assert.equal(deployment.env.NATS_PREFIX, 'from-env', 'the environment wins');
  });

  it('is taken from an explicit path before EVENTSTORE_CONFIG, and from EVENTSTORE_CONFIG before the working directory', async () => {
    const other = await write('other.mjs', `export default { aggregates: [${aggregate('Other', 'MakeOther')}] };`);
    const fromEnv = await loadDeployment({ cwd: dir, env: { EVENTSTORE_CONFIG: other } });
    assert.deepEqual(fromEnv.registry.commandTypes(), ['MakeOther']);
    const explicit = await loadDeployment({ cwd: ROOT, path: join(dir, 'eventstore.config.mjs'), env: { EVENTSTORE_CONFIG: other } });
    assert.deepEqual(explicit.registry.commandTypes(), ['MakeThing']);
  });

  it('says where it looked when there is none', async () => {
    const empty = await mkdtemp(join(dir, 'empty-'));
    await assert.rejects(loadDeployment({ cwd: empty, env: {} }), (error: unknown) =>
      error instanceof ConfigNotFoundError && error.message.includes(empty) && /eventstore\.config\.js/.test(error.message) && /eventstore init/.test(error.message));
    await assert.rejects(loadDeployment({ cwd: empty, path: 'missing.mjs', env: {} }), (error: unknown) =>
      error instanceof ConfigNotFoundError && error.message.includes(join(empty, 'missing.mjs')));
  });

  it('names every defect of a config that is not usable', async () => {
    const cases: Array<[string, RegExp]> = [
      ['export const nothing = 1;', /must export a config as default/],
      ['export default { aggregates: {} };', /aggregates must be an array/],
      [`export default { aggregates: [], projections: [${projection('dup')}, ${projection('dup')}] };`, /projection dup is listed twice/],
      [`export default { aggregates: [], projections: [{ name: 'no.dots', eventTypes: [], handle: async () => {} }] };`, /projections\[0\]\.name/],
      [`export default { aggregates: [${aggregate('A', 'Same')}, ${aggregate('B', 'Same')}] };`, /command type Same is handled by both A and B/],
      ['throw new Error("the module itself fails");', /importing it failed: the module itself fails/],
    ];
    for (const [i, [text, problem]] of cases.entries()) {
      const file = await write(`bad-${i}.mjs`, text);
      await assert.rejects(loadDeployment({ path: file, env: {} }), (error: unknown) => error instanceof InvalidConfigModuleError && problem.test(error.message), text);
    }
    assert.throws(() => resolveDeployment({ aggregates: 'x', projections: 'y', settings: [] }), (error: unknown) =>
      error instanceof InvalidConfigModuleError && error.problems.length === 3);
  });

  it('is what the CLI runs: a missing config or an unknown projection stops a role with the reason', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, EVENTSTORE_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        child.on('close', (code) => resolve({ code, output }));
      });
    const missing = await run(['migrate', '--config', 'nope.mjs']);
    assert.equal(missing.code, 1);
    assert.match(missing.output, /no config module at .*nope\.mjs/);
    const unknown = await run(['projector', 'not-there', '--config', join(dir, 'eventstore.config.mjs')]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.output, /no projection not-there .* known: things/);
  });
});
