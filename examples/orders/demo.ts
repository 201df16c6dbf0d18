import { randomUUID } from 'node:crypto';

/**
 * One order through the whole path: API -> queue -> worker -> store -> relay -> NATS -> projection.
 * Returns what to print.
 */
export async function runDemo(baseUrl: string, token: string | undefined): Promise<string> {
  const orderId = `order-demo-${randomUUID().slice(0, 8)}`;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const post = async (type: string, payload: unknown) => {
    const response = await fetch(`${baseUrl}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ type, aggregateId: orderId, payload, wait: true }),
    });
    return (await response.json()) as { status?: string; version?: number };
  };
  const created = await post('CreateOrder', { customerId: 'c-demo', total: 42.5 });
  const paid = await post('UpdateOrderStatus', { status: 'paid' });
  let order: unknown;
  for (let i = 0; i < 100 && !order; i++) {
    const response = await fetch(`${baseUrl}/projections/orders/${orderId}`, { headers });
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
