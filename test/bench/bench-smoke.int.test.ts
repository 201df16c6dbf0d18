import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseBenchOptions } from '../../bench/support/cli-options.ts';
import { renderMarkdown, writeJson } from '../../bench/support/report.ts';
import type { ScenarioResult } from '../../bench/support/scenario-result.ts';
import { runBench } from '../../bench/run.ts';

/**
 * The benchmark code at tiny sizes, so it cannot rot: every scenario runs end to end and its result
 * has the promised shape. Never asserts speed (the machine is shared); asserts correctness figures
 * that do not depend on speed: no ordered contender reorders or loses a command.
 */
describe('npm run bench (tiny sizes)', () => {
  let dir: string;
  let results: ScenarioResult[];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
    const options = parseBenchOptions([
      '--quick', '--workers', '1', '--concurrency', '4', '--partitions', '2', '--rounds', '1',
      '--commands', '120', '--events', '300', '--steady-seconds', '1', '--out', path.join(dir, 'latest.json'),
    ]);
    results = await runBench(options, () => {});
    await writeJson(options.out, results, results.map((r) => r.scenario));
  }, { timeout: 900_000 }); // every scenario end to end: minutes on a busy 2-core machine

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one object per scenario with machine, settings, date and a figure for every contender', async () => {
    const written = JSON.parse(await readFile(path.join(dir, 'latest.json'), 'utf8')) as ScenarioResult[];
    assert.deepEqual(written.map((r) => r.scenario), results.map((r) => r.scenario));
    assert.ok(written.length >= 3);
    for (const result of written) {
      assert.equal(typeof result.machine.cpuModel, 'string');
      assert.ok(result.machine.cores >= 1);
      assert.match(result.machine.postgres, /^\d+/);
      assert.match(result.machine.redis, /^\d+/);
      assert.match(result.machine.nats, /^\d+/);
      assert.ok(['on', 'off', 'local', 'remote_write', 'remote_apply'].includes(result.settings.postgres.synchronous_commit!));
      assert.ok(!Number.isNaN(Date.parse(result.date)));
      assert.equal(result.loadAverage.before.length, 3);
      assert.ok(result.contenders.length >= 1, `${result.scenario} has contenders`);
      for (const contender of result.contenders) {
        const headline = contender.figures[result.columns[0]!.key];
        assert.ok(typeof headline === 'number' && headline > 0, `${result.scenario} / ${contender.name}: headline figure ${headline}`);
        for (const [key, value] of Object.entries(contender.figures)) {
          assert.ok(typeof value === 'string' || Number.isFinite(value), `${result.scenario} / ${contender.name}: ${key} = ${value}`);
        }
        assert.equal(contender.rounds.length, 1);
      }
    }
  });

  it('no ordered contender reorders, loses or fails a command; projections match their streams', () => {
    for (const scenario of results) {
      for (const contender of scenario.contenders) {
        const where = `${scenario.scenario} / ${contender.name}`;
        if ('mismatches' in contender.figures) assert.equal(contender.figures.mismatches, 0, `${where}: projection differs from the store`);
        if (!('orderingViolations' in contender.figures)) continue;
        assert.equal(contender.figures.lost, 0, `${where} lost commands`);
        assert.equal(contender.figures.failed, 0, `${where} failed commands`);
        if (/no ordering|optimistic/.test(contender.name)) continue; // unordered by design: they may reorder
        assert.equal(contender.figures.orderingViolations, 0, `${where} reordered`);
      }
    }
    assert.deepEqual(
      results.map((r) => r.scenario),
      ['command-throughput', 'contention', 'hot-aggregate', 'store-throughput', 'relay-throughput', 'projection', 'worker-memory'],
    );
  });

  it('prints a markdown table per scenario', () => {
    const markdown = renderMarkdown(results);
    for (const result of results) assert.ok(markdown.includes(`### ${result.title}`));
    assert.match(markdown, /\| contender \| commands\/s \|/);
    assert.match(markdown, /synchronous_commit=/);
  });
});
