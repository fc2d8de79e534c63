import type { ChildProcess } from 'node:child_process';
import { freePort } from './handshake';
import { exitOf, hasExited, startProcess } from './processes';

export interface NodeProcess {
  role: 'all' | 'feed' | 'gateway';
  nodeId: string;
  port: number;
  url: string;
  wsUrl: string;
  child: ChildProcess;
  output(): string;
  /** kill -9. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * One real bidtape process (src/main.ts) of a cluster on the test run's PostgreSQL and the
 * given Redis. Simulator off unless `env` turns it on.
 */
export async function startNode(role: NodeProcess['role'], redisUrl: string, env: Record<string, string> = {}): Promise<NodeProcess> {
  const port = await freePort();
  const nodeId = `${role}-${port}`;
  const started = startProcess('src/main.ts', [], {
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: redisUrl,
    CLUSTER_ROLE: role,
    NODE_ID: nodeId,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SIM_ENABLED: 'false',
    FEED_LEASE_MS: '1500',
    FEED_STALE_AFTER_MS: '1500',
    ...env,
  }, /bidtape listening on/, 60_000);
  await started.match;
  const url = `http://127.0.0.1:${port}`;
  return {
    role,
    nodeId,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/v1/stream`,
    child: started.child,
    output: started.output,
    kill: async () => {
      if (hasExited(started.child)) return;
      started.child.kill('SIGKILL');
      await exitOf(started.child);
    },
    stop: async () => {
      if (hasExited(started.child)) return;
      started.child.kill('SIGTERM');
      await exitOf(started.child);
    },
  };
}
