import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node --import tsx <entry>` with the env overrides; resolves once it logged that it started. */
export async function startWorkerProcess(entry: string, env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const started = new Promise<void>((resolve, reject) => {
    const check = () => output.includes('command worker started') && resolve();
    child.stdout!.on('data', check);
    void exited.then(({ code }) => reject(new Error(`worker exited with ${code} before starting:\n${output}`)));
    setTimeout(() => reject(new Error(`worker did not start within 60 s:\n${output}`)), 60_000).unref();
  });
  await started;
  return { child, output: () => output, exited };
}

/** Stops a worker (SIGTERM: graceful) and waits for it to exit. */
export async function stopWorkerProcess(worker: WorkerProcess, signal: NodeJS.Signals = 'SIGTERM') {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill(signal);
  return worker.exited;
}
