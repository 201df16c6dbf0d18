import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

interface Reported<S> {
  stats: S | undefined;
  rssBytes: number;
}

/**
 * N worker processes (separate OS processes, like a real deployment) running one entry module.
 * Each reports its stats over IPC; stop() asks them to close gracefully and kills any that hang.
 */
export class WorkerProcesses<S> {
  private readonly reports: Reported<S>[];

  private constructor(private readonly children: ChildProcess[]) {
    this.reports = children.map(() => ({ stats: undefined, rssBytes: 0 }));
    children.forEach((child, i) =>
      child.on('message', (message: { type?: string; stats?: S; rssBytes?: number }) => {
        if (message.type === 'stats') this.reports[i] = { stats: message.stats, rssBytes: message.rssBytes ?? 0 };
      }),
    );
  }

  /** Forks `count` processes of `entry` (a module URL) with `env`, and waits until each is ready. */
  static async start<S>(entry: URL, count: number, env: Record<string, string>, cpuProfileDir?: string): Promise<WorkerProcesses<S>> {
    const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
    const children = Array.from({ length: count }, () =>
      fork(fileURLToPath(entry), [], {
        env: { ...process.env, ...env },
        execArgv: ['--import', 'tsx', ...profile],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    const processes = new WorkerProcesses<S>(children);
    try {
      await Promise.all(children.map((child) => waitForReady(child)));
    } catch (error) {
      await processes.kill();
      throw error;
    }
    return processes;
  }

  /** The latest stats of every process. */
  latest(): Reported<S>[] {
    return this.reports;
  }

  /** Graceful stop; returns each process's final report. */
  async stop(): Promise<Reported<S>[]> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.send({ type: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
    return this.reports;
  }

  async kill(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
  }
}

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker process ${child.pid} not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    child.on('message', (message: { type?: string }) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker process ${child.pid} exited with ${code} before it was ready`));
    });
  });
}
