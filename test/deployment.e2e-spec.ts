import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { commandWorks, systemTool } from './support/system-tools';

const root = path.resolve(__dirname, '..');


describe('deployment files', () => {
  it('docker-compose.yml runs the app against its PostgreSQL', () => {
    const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'postgres']);
    expect(compose.services.app.environment.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\/bidtape$/);
    expect(compose.services.app.depends_on.postgres.condition).toBe('service_healthy');
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
  ])('stops with exit code 78 naming the variable for %j', (env, message) => {
    const result = start(env);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(78);
  });
});
