import { Client } from 'pg';
import { pollUntil } from './support/poll';
import { startTestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

describe('platform lifecycle', () => {
  it('asks clients to reconnect with 1001 when it shuts down', async () => {
    const platform = await startTestPlatform();
    const client = await StreamClient.connect(platform.wsUrl);
    client.subscribe(['AAPL'], 0);
    await client.waitFor('snapshot');
    await platform.stop();
    const closed = await client.waitClosed();
    expect(closed.code).toBe(1001);
    expect(closed.reason).toContain('reconnect');
  });

  it('reports the database down on /health (503) and up again once it is back', async () => {
    // A database of its own on the test server, so cutting it off affects no other test.
    const name = `bidtape_health_${process.pid}`;
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    const platform = await startTestPlatform({ DATABASE_URL: url.toString() });
    try {
      expect((await fetch(`${platform.url}/health`)).status).toBe(200);
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);
      const down = await pollUntil('health to report the database down', async () => {
        const response = await fetch(`${platform.url}/health`);
        return response.status === 503 && ((await response.json()) as { database: string });
      }, 10_000, 100);
      expect(down.database).toBe('down');
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await pollUntil('health to recover', async () => (await fetch(`${platform.url}/health`)).status === 200, 10_000, 100);
    } finally {
      await platform.stop();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
