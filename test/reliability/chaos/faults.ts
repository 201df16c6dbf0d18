import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosSystem } from './system.ts';

/** Records one injected fault (with the system's progress at that moment). */
export type Inject = (what: string) => void;

/** Worker processes SIGKILLed every `everyMs`, round robin, each started again 0.3 s later. */
export async function killWorkers(system: ChaosSystem, inject: Inject, kills: number, everyMs: number): Promise<void> {
  for (let k = 0; k < kills; k++) {
    await sleep(everyMs);
    const worker = system.workers[k % system.workers.length]!;
    inject(`SIGKILL ${worker.name} (pid ${worker.pid}); ${await system.progress()}`);
    await worker.kill('SIGKILL');
    await sleep(300);
    worker.start();
  }
}

/** Redis SIGKILLed and started again on its append-only file. */
export async function crashRedis(system: ChaosSystem, inject: Inject): Promise<void> {
  inject(`SIGKILL redis-server, restart from its append-only file after 1 s; ${await system.progress()}`);
  await system.servers.redis.restart('SIGKILL');
}

/** PostgreSQL stopped in immediate mode (no shutdown checkpoint: crash recovery on start). */
export async function crashPostgres(system: ChaosSystem, inject: Inject): Promise<void> {
  inject(`PostgreSQL stopped in immediate mode (crash), restarted after 1 s; ${await system.progress()}`);
  await system.servers.postgres.restart();
}

/** The NATS server stopped and started again with its JetStream store. */
export async function restartNats(system: ChaosSystem, inject: Inject): Promise<void> {
  inject(`nats-server stopped and restarted after 1 s; ${await system.progress()}`);
  await system.servers.nats.restart('SIGTERM');
}

/**
 * The relay killed while it publishes a backlog: stopped until one builds up, started, and
 * SIGKILLed as soon as it has published part of it (tried again if it had already caught up).
 */
export async function killRelayMidPublish(system: ChaosSystem, inject: Inject, backlog: number): Promise<void> {
  const { relay } = system;
  for (let attempt = 1; ; attempt++) {
    await relay.kill('SIGKILL');
    const logBefore = await system.logLength();
    await system.until(async () => (await system.storeEvents()) >= logBefore + backlog, `a relay backlog of ${backlog} events to build up`, 120_000);
    relay.start();
    await system.until(async () => (await system.logLength()) > logBefore, 'the restarted relay to publish', 120_000);
    const [logAtKill, eventsAtKill] = [await system.logLength(), await system.storeEvents()];
    await relay.kill('SIGKILL');
    const midPublish = logAtKill < eventsAtKill;
    inject(`SIGKILL relay ${midPublish ? 'mid-publish' : 'after it caught up'}: it had published ${logAtKill - logBefore} of a ${eventsAtKill - logBefore}-event backlog; restarted`);
    relay.start();
    if (midPublish || attempt === 3) return;
  }
}

/** The projector killed between its commit and its ack: it SIGKILLs itself from afterCommit. */
export async function killProjectorBetweenCommitAndAck(system: ChaosSystem, inject: Inject): Promise<void> {
  const { projector } = system;
  await projector.stop();
  projector.start({ CHAOS_KILL_AFTER_COMMITS: '5' }, { expectExit: true });
  await Promise.race([projector.exited(), sleep(120_000)]);
  const log = await readFile(join(system.logDir, 'projector.log'), 'utf8');
  const confession = log.match(/CHAOS: killing myself after commit of (\S+) \(position (\S+)\)/);
  if (!confession) throw new Error('the projector did not kill itself between commit and ack');
  inject(`projector SIGKILLed between the commit of event ${confession[1]} (position ${confession[2]}) and its ack; restarted`);
  projector.start();
}
