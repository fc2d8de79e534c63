/** The runner's handle on a client harness child process (bench/client-harness.ts). */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stopChild, track } from './children';
import type { ConnectCommand, Connected, HarnessCommand, HarnessReply, WindowReport } from './harness-protocol';

export class Harness {
  private constructor(private readonly child: ChildProcess) {}

  static start(): Harness {
    const child = fork(path.join(__dirname, 'client-harness.ts'), [], {
      // BENCH_HARNESS_NODE_ARGS: extra node flags for the harness, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
      execArgv: [...(process.env.BENCH_HARNESS_NODE_ARGS ?? '').split(' ').filter(Boolean), '-r', 'ts-node/register/transpile-only'],
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Harness(track(child));
  }

  get pid(): number {
    return this.child.pid!;
  }

  connect(command: Omit<ConnectCommand, 'type'>): Promise<Connected> {
    return this.request({ type: 'connect', ...command }, 'connected', command.timeoutMs + 30_000);
  }

  start(sampleEvery: number): void {
    this.child.send({ type: 'start', sampleEvery } satisfies HarnessCommand);
  }

  stop(): Promise<WindowReport> {
    return this.request({ type: 'stop' }, 'window', 30_000);
  }

  /** Disconnecting IPC makes the harness close its sockets and exit. */
  async close(): Promise<void> {
    if (this.child.connected) {
      // It exits on its own (and writes a --cpu-prof profile, if asked): give it a moment.
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.disconnect();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    }
    await stopChild(this.child, 'SIGTERM', 5000);
  }

  private request<T extends HarnessReply['type']>(
    command: HarnessCommand,
    expected: T,
    timeoutMs: number,
  ): Promise<Extract<HarnessReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: HarnessReply) => {
        if (reply.type === 'failure') finish(() => reject(new Error(`client harness: ${reply.message}`)));
        else if (reply.type === expected) finish(() => resolve(reply as Extract<HarnessReply, { type: T }>));
      };
      const onExit = (code: number | null) => finish(() => reject(new Error(`client harness exited (code ${code})`)));
      const timer = setTimeout(() => finish(() => reject(new Error(`client harness: no "${expected}" within ${timeoutMs} ms`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        settle();
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(command);
    });
  }
}
