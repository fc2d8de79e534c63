import { apiKeySecret } from './support/api-keys';
import { freePort } from './support/handshake';
import { pollUntil } from './support/poll';
import { startProcess } from './support/processes';
import { StreamClient } from './support/stream-client';

const ADMIN_TOKEN = 'logging-test-admin-token-5f1e2d3c4b';

/** The JSON logs of a real process, at info, after requests carrying every kind of credential. */
describe('logs', () => {
  it('never contain the credentials a request carried', async () => {
    const port = await freePort();
    const app = startProcess('src/main.ts', [], {
      DATABASE_URL: process.env.DATABASE_URL, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', SIM_ENABLED: 'false', ADMIN_TOKEN,
    }, /bidtape listening on/, 60_000);
    await app.match;
    try {
      const base = `http://127.0.0.1:${port}`;
      const created = await fetch(`${base}/v1/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'logging', scopes: ['feed:read'] }),
      });
      expect(created.status).toBe(201);
      const { key } = (await created.json()) as { key: string };
      const accessToken = 'eyJhbGciOiJIUzI1NiJ9.secret-looking-token.signature';
      await fetch(`${base}/v1/auctions?api_key=${key}&limit=1`);
      await fetch(`${base}/v1/auctions?access_token=${accessToken}`);
      await fetch(`${base}/v1/auctions`, { headers: { 'x-api-key': key } });
      const client = await StreamClient.connect(`ws://127.0.0.1:${port}/v1/stream?api_key=${key}`);
      client.close();
      await pollUntil('the request logs', () => (app.output().match(/"url":"\/v1\/auctions/g) ?? []).length >= 3, 5000, 50);
      const logs = app.output();
      expect(logs).toContain('[Redacted]');
      const secret = apiKeySecret(key);
      expect(secret).toHaveLength(43);
      for (const value of [ADMIN_TOKEN, key, secret, accessToken]) expect(logs).not.toContain(value);
    } finally {
      app.child.kill('SIGKILL');
    }
  }, 90_000);
});
