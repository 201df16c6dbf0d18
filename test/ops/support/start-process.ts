import { spawn } from 'node:child_process';

/** `eventstore start` as a child process: its exit, the time of its exit, and its output. */
export interface StartedProcess {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  output(): string;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL if still running (for `after`). */
  kill(): Promise<void>;
}

export function startProcess(env: Record<string, string>): StartedProcess {
  let output = '';
  const child = spawn(process.execPath, ['bin/eventstore.mjs', 'start'], {
    env: { ...process.env, API_TOKEN: undefined, API_AUTH: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  process.once('exit', () => child.kill('SIGKILL'));
  return {
    exited,
    output: () => output,
    signal: (signal) => child.kill(signal),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
