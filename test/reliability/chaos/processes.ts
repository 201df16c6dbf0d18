import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * One role of the system (a worker, the relay, a projector) run as its own node process, the way
 * production runs it, so that it can be SIGKILLed and started again. Output goes to a log file.
 */
export class RoleProcess {
  private child: ChildProcess | undefined;
  private readonly log: WriteStream;
  starts = 0;
  kills = 0;
  /** Exits nobody asked for (a crash of the role itself), with how it ended. */
  readonly unexpectedExits: string[] = [];
  private expectingExit = false;

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: Record<string, string>,
    logDir: string,
  ) {
    this.log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process; `extraEnv` applies to this start only (fault hooks). */
  start(extraEnv: Record<string, string> = {}, options: { expectExit?: boolean } = {}): void {
    this.expectingExit = options.expectExit ?? false;
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, this.entry)], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.starts++;
    live.add(child);
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    child.once('exit', (code, signal) => {
      live.delete(child);
      if (!this.expectingExit) this.unexpectedExits.push(`${this.name} exited by itself (code ${code}, signal ${signal})`);
      this.log.write(`--- ${this.name} exited (code ${code}, signal ${signal})\n`);
    });
    this.child = child;
  }

  /** Resolves once the process is gone (it may have died by itself already). */
  exited(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    const exited = this.exited();
    this.child!.kill(signal);
    if (signal === 'SIGKILL') this.kills++;
    await exited;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    const exited = this.exited();
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  close(): void {
    this.log.end();
  }
}
