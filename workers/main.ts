/**
 * The main job (`npm start`, `eventstore start`): the whole system in one process for a local
 * machine: HTTP server, command workers, relay, dispatcher and the orders projector. It migrates
 * the database, sends a demo order through the API (DEMO=off skips it), and prints where to look.
 * In production each role runs on its own (see README, "Operations").
 */
import { randomUUID } from 'node:crypto';
import { ROLES } from '../src/cli/roles.ts';
import { runRolesUntilSignal } from '../src/cli/run-roles.ts';
import { loadConfig } from '../src/config/env.ts';

const running = await runRolesUntilSignal(ROLES, { migrate: true });
const api = running.roles.find((role) => role.name === 'server')!.url!;
const token = loadConfig().http.apiToken;

const demo = process.env.DEMO === 'off' ? undefined : await runDemo(api).catch((error: Error) => `demo failed: ${error.message}`);
console.log(`
eventstore is running: HTTP API, command workers, relay, dispatcher, orders projector.

  API          ${api}            POST /commands, GET /commands/:id, /aggregates/:id[/events]
  API docs     ${api}/docs       (OpenAPI)
  Bull Board   ${api}/admin/queues   (read-only)
  Metrics      ${api}/metrics
  Health       ${api}/healthz, ${api}/readyz
${token ? '\n  Every route but /healthz needs: Authorization: Bearer $API_TOKEN\n' : ''}
${demo ?? ''}
Send a command:
  curl -s ${api}/commands -H 'content-type: application/json'${token ? " -H \"authorization: Bearer $API_TOKEN\"" : ''} \\
    -d '{"type":"CreateOrder","aggregateId":"order-42","payload":{"customerId":"c-1","total":42},"wait":true}'
or: npx eventstore send CreateOrder order-42 '{"customerId":"c-1","total":42}' --wait

Ctrl-C stops everything gracefully.
`);

/** One order through the whole path: API -> queue -> worker -> store -> relay -> NATS -> projection. */
async function runDemo(baseUrl: string): Promise<string> {
  const orderId = `order-demo-${randomUUID().slice(0, 8)}`;
  const post = async (type: string, payload: unknown) => {
    const response = await fetch(`${baseUrl}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ type, aggregateId: orderId, payload, wait: true }),
    });
    return (await response.json()) as { status?: string; version?: number };
  };
  const created = await post('CreateOrder', { customerId: 'c-demo', total: 42.5 });
  const paid = await post('UpdateOrderStatus', { status: 'paid' });
  let order: unknown;
  for (let i = 0; i < 100 && !order; i++) {
    const response = await fetch(`${baseUrl}/projections/orders/${orderId}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const body = (await response.json()) as { version?: number };
    if (response.ok && body.version === 2) order = body;
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [
    `Demo: ${orderId}: CreateOrder ${created.status} (v${created.version}), UpdateOrderStatus ${paid.status} (v${paid.version})`,
    `  events:     ${baseUrl}/aggregates/${orderId}/events`,
    `  projection: ${order ? JSON.stringify(order) : 'not there yet (is the relay running?)'}`,
    '',
  ].join('\n');
}
