import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ROLES } from '../../src/runtime/role-names.ts';
import { call, startSystem, type TestSystem } from '../http/support.ts';
import { waitUntil } from '../support/wait.ts';

const DASHBOARD = 'deploy/grafana/eventstore-dashboard.json';
const ALERTS = 'deploy/prometheus/eventstore-alerts.yml';

/** Metric names a PromQL text references. */
const referenced = (text: string) => new Set(text.match(/\beventstore_[a-z0-9_]+/g) ?? []);

/** The metric families /metrics declares, with the series names histograms and summaries add. */
function served(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name! + suffix);
  }
  return names;
}

describe('deploy/: the dashboard and alert rules read metrics that exist', { timeout: 90_000 }, () => {
  let system: TestSystem;
  before(async () => (system = await startSystem(ROLES)));
  after(() => system?.close());

  it('every metric they reference is on /metrics of a running system', async () => {
    const ran = await call(system.baseUrl, 'POST', '/commands', { body: { type: 'CreateOrder', aggregateId: 'order-deploy', payload: { customerId: 'c', total: 1 }, wait: true } });
    assert.equal(ran.status, 200);
    let exposition = '';
    // The system-wide gauges appear once the status they read is available (subscriptions once projectors report).
    await waitUntil(async () => {
      exposition = (await call(system.baseUrl, 'GET', '/metrics')).body as string;
      return /^eventstore_subscription_lag_seconds\{/m.test(exposition) && /^eventstore_queue_workers\{/m.test(exposition);
    }, 'the status gauges');
    const names = served(exposition);
    const dashboard = readFileSync(DASHBOARD, 'utf8');
    const alerts = readFileSync(ALERTS, 'utf8');
    for (const [file, text] of [[DASHBOARD, dashboard], [ALERTS, alerts]] as const) {
      const used = referenced(text);
      assert.ok(used.size >= 5, `${file} references metrics`);
      const missing = [...used].filter((name) => !names.has(name));
      assert.deepEqual(missing, [], `${file} references metrics /metrics does not serve`);
    }
  });

  it('the dashboard is Grafana JSON whose panels all query, and each alert has a name, an expression and a summary', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    for (const panel of dashboard.panels) assert.ok(panel.targets.length > 0 && panel.targets.every((t) => t.expr.includes('eventstore_')), panel.title);
    const rules = readFileSync(ALERTS, 'utf8').split(/^\s+- alert: /m).slice(1);
    assert.ok(rules.length >= 6);
    for (const rule of rules) {
      assert.match(rule, /^\s+expr: .+$/m);
      assert.match(rule, /^\s+summary: .+$/m);
    }
    // What the issue asks the alerts to cover.
    for (const metric of ['oldest_queued_command_age_seconds', 'halted_aggregates', 'relay_lag', 'subscription_lag', 'dead_letter_commands', 'queue_workers']) {
      assert.match(readFileSync(ALERTS, 'utf8'), new RegExp(`eventstore_${metric}`), metric);
    }
  });
});
