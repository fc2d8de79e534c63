import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { freePort } from './handshake';
import { exitOf, hasExited } from './processes';
import { pollUntil } from './poll';
import { systemTool } from './system-tools';

/** Whether `redis-server` (Debian's redis-server package) is on PATH; in CI it must be. */
export function redisAvailable(): boolean {
  return systemTool('redis-server', spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0);
}

/**
 * A throwaway real Redis on a loopback port, no persistence. `stop` and `start` again on the
 * same port simulate an outage of the feed tier.
 */
export class TestRedis {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<TestRedis> {
    const redis = new TestRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    await pollUntil(`redis-server on ${this.port}\n${output}`, () => output.includes('Ready to accept connections'), 10_000, 20);
  }

  /** kill -9: no goodbye to clients. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || hasExited(child)) return;
    child.kill('SIGKILL');
    await exitOf(child);
  }
}
