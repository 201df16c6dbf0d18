import { createTestBus } from './test/bus/helpers.ts';
const bus = await createTestBus();
const N = 2000;
await bus.publishBatch(bus.subjects.events, Array.from({ length: N }, (_, i) => ({ data: Buffer.from('x' + i), msgId: 'i' + i })));
for (const maxInFlight of [1]) {
  let n = 0; const t0 = Date.now();
  let done!: () => void; const p = new Promise<void>((r) => (done = r));
  const sub = await bus.subscribe(bus.subjects.events, async () => { if (++n === N) done(); }, { durable: 'p' + maxInFlight, maxInFlight });
  await p; console.log('strict subscribe', Math.round(N / ((Date.now() - t0) / 1000)), '/s');
  await sub.unsubscribe();
}
await bus.destroy();
