import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { commandWorks, systemTool } from './support/system-tools';

const root = path.resolve(__dirname, '..');


describe('deployment files', () => {
  it('docker-compose.yml runs the cluster: PostgreSQL, Redis, one feed, two gateways behind HAProxy', () => {
    const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
    const services = compose.services;
    expect(Object.keys(services).sort()).toEqual(['feed', 'gateway-1', 'gateway-2', 'lb', 'postgres', 'redis']);
    const roles = Object.fromEntries(['feed', 'gateway-1', 'gateway-2'].map((name) => [name, services[name].environment.CLUSTER_ROLE]));
    expect(roles).toEqual({ feed: 'feed', 'gateway-1': 'gateway', 'gateway-2': 'gateway' });
    for (const name of ['feed', 'gateway-1', 'gateway-2']) {
      expect(services[name].environment.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\/bidtape$/);
      expect(services[name].environment.REDIS_URL).toBe('redis://redis:6379');
      expect(services[name].depends_on.postgres.condition).toBe('service_healthy');
      expect(services[name].depends_on.redis.condition).toBe('service_healthy');
    }
    // The load balancer is the only way in, and sends each gateway's traffic by its health.
    expect(services.lb.ports).toEqual(['3000:3000']);
    expect(services.lb.environment).toMatchObject({ BIDTAPE_GATEWAY_1: 'gateway-1:3000', BIDTAPE_GATEWAY_2: 'gateway-2:3000' });
    const haproxy = readFileSync(path.join(root, 'deploy', 'haproxy.cfg'), 'utf8');
    expect(haproxy).toMatch(/option httpchk GET \/health\/ready/);
    expect(haproxy).toMatch(/option forwardfor/);
  });

  (systemTool('haproxy', commandWorks('haproxy', ['-v'])) ? it : it.skip)('deploy/haproxy.cfg passes `haproxy -c`', () => {
    execFileSync('haproxy', ['-c', '-q', '-f', path.join(root, 'deploy', 'haproxy.cfg')], {
      stdio: 'pipe',
      env: { ...process.env, BIDTAPE_LB_BIND: '127.0.0.1:3000', BIDTAPE_GATEWAY_1: '127.0.0.1:1', BIDTAPE_GATEWAY_2: '127.0.0.1:2' },
    });
  });

  (systemTool('docker-compose', commandWorks('docker-compose', ['version'])) ? it : it.skip)('passes `docker-compose config`', () => {
    execFileSync('docker-compose', ['-f', path.join(root, 'docker-compose.yml'), 'config', '-q'], { stdio: 'pipe' });
  });
});

describe('start-up configuration errors', () => {
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'src', 'main.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it.each([
    [{ PORT: 'http' }, 'PORT must be an integer between 0 and 65535 (got "http")'],
    [{ DEFLATE_WINDOW_BITS: '20' }, 'DEFLATE_WINDOW_BITS must be an integer between 9 and 15 (got "20")'],
    [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL must be a postgres:// or postgresql:// URL'],
    [{ CLUSTER_ROLE: 'gateway' }, 'CLUSTER_ROLE=gateway needs REDIS_URL'],
    [{ CLUSTER_ROLE: 'leader', REDIS_URL: 'redis://127.0.0.1:1' }, 'CLUSTER_ROLE must be one of all, feed, gateway'],
    [{ TRUSTED_PROXIES: '10.0.0.1,lb.local' }, 'TRUSTED_PROXIES must be a comma list of IP addresses or CIDR ranges'],
    [{ ALLOWED_ORIGINS: 'https://ok.example,app.example' }, 'ALLOWED_ORIGINS must be a comma list of origins like https://app.example.com'],
  ])('stops with exit code 78 naming the variable for %j', (env, message) => {
    const result = start(env);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(78);
  });
});

describe('start-up failures', () => {
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'src', 'main.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH, SIM_ENABLED: 'false', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const lastLine = (output: string) => JSON.parse(output.trim().split('\n').pop()!) as { level: number; msg: string; cause: string };

  it('reports an unreachable PostgreSQL as one JSON line naming the cause, and exits non-zero', () => {
    const result = start({ DATABASE_URL: 'postgres://bidtape:x@127.0.0.1:1/bidtape', PORT: '0' });
    expect(result.status).toBe(1);
    const line = lastLine(result.stdout);
    expect(line).toMatchObject({ level: 60 });
    expect(line.msg).toMatch(/PostgreSQL refused the connection at 127\.0\.0\.1:1/);
    expect(result.stdout + result.stderr).not.toContain('\u001b['); // no terminal colours
  }, 90_000);

  it('reports a port in use as one JSON line naming the port', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = start({ DATABASE_URL: process.env.DATABASE_URL!, PORT: String(port), HOST: '127.0.0.1' });
      expect(result.status).toBe(1);
      expect(lastLine(result.stdout).msg).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
    } finally {
      blocker.close();
    }
  }, 90_000);
});
