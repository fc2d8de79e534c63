import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { commandWorks, systemTool } from './support/system-tools';

const root = path.resolve(__dirname, '..');
const buf = path.join(root, 'node_modules', '.bin', 'buf');
const RELEASED = path.join(root, 'contract', 'bidtape-v1.binpb');

describe('the partner contract (buf)', () => {
  it('passes buf lint', () => {
    execFileSync(buf, ['lint'], { cwd: root, stdio: 'pipe' });
  });

  it('has no breaking change against the released v1 contract', () => {
    execFileSync(buf, ['breaking', '--against', RELEASED], { cwd: root, stdio: 'pipe' });
  });

  it('would catch a breaking change (a renumbered field)', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'bidtape-proto-'));
    cpSync(path.join(root, 'proto'), path.join(copy, 'proto'), { recursive: true });
    cpSync(path.join(root, 'buf.yaml'), path.join(copy, 'buf.yaml'));
    const file = path.join(copy, 'proto', 'bidtape', 'v1', 'market.proto');
    writeFileSync(file, readFileSync(file, 'utf8').replace('uint64 seq = 2;', 'uint64 seq = 20;'));
    const result = spawnSync(buf, ['breaking', '--against', RELEASED], { cwd: copy, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/seq/);
  });
});

const python = '/usr/bin/python3';

interface PythonLine {
  kind: string;
  last?: string;
  subscribeAck?: Record<string, unknown>;
  snapshot?: { symbols: { instrument: { symbol: string; priceScale: number }; latest: { seq: string; lastPrice: string } }[] };
  tick?: { symbol: string };
}
const pythonReady = systemTool('protoc + python3-protobuf + python3-websockets',
  commandWorks('protoc', ['--version']) && commandWorks(python, ['-c', 'import google.protobuf, websockets']));

(pythonReady ? describe : describe.skip)('a Python partner with protoc-generated code', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(() => platform.stop());

  it('decodes real frames from a running server', async () => {
    const generated = mkdtempSync(path.join(tmpdir(), 'bidtape-py-'));
    const protos = ['market', 'auction', 'ingest', 'stream'].map((f) => path.join(root, 'proto', 'bidtape', 'v1', `${f}.proto`));
    execFileSync('protoc', ['-I', path.join(root, 'proto'), `--python_out=${generated}`, ...protos]);
    const published = platform.market.publish(quoteFor('EUR-USD'));
    // The server runs in this process: the client must run asynchronously, fed ticks meanwhile.
    const ticker = setInterval(() => platform.market.publish(quoteFor('EUR-USD')), 20);
    const child = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(python, [path.join(root, 'examples', 'python', 'tail.py'), '--url', platform.wsUrl,
        '--symbols', 'EUR-USD,AAPL', '--rate', '0', '--count', '3'],
      { env: { ...process.env, PYTHONPATH: generated }, timeout: 20_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr })));
    }).finally(() => clearInterval(ticker));
    expect(child.stderr).toBe('');
    // Python's JSON: checked field by field below.
    const lines = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as PythonLine);
    expect(lines.map((l) => l.kind)).toEqual(['subscribe_ack', 'snapshot', 'tick']); // Python's oneof names
    expect(lines[2].tick!.symbol).toBe('EUR-USD');
    expect(lines[2].last).toMatch(/^\d\.\d{5}$/); // exact decimal from integer minor units
    expect(lines[0].subscribeAck).toMatchObject({ requestId: 1, symbols: ['EUR-USD', 'AAPL'] });
    const eur = lines[1].snapshot!.symbols.find((s) => s.instrument.symbol === 'EUR-USD')!;
    expect(eur.instrument).toMatchObject({ priceScale: 5, displayName: 'Euro / US Dollar' });
    expect(Number(eur.latest.seq)).toBeGreaterThanOrEqual(published.seq);
    expect(eur.latest.lastPrice).toMatch(/^\d+$/); // int64 in the JSON mapping: a string of digits
  });

  it('recovers with the Python client module: reports gaps, reconnects after a forced close, resumes', async () => {
    const faulty = await startTestPlatform({ FAULTS_ENABLED: 'true' });
    const generated = mkdtempSync(path.join(tmpdir(), 'bidtape-py-'));
    const protos = ['market', 'auction', 'ingest', 'stream'].map((f) => path.join(root, 'proto', 'bidtape', 'v1', `${f}.proto`));
    execFileSync('protoc', ['-I', path.join(root, 'proto'), `--python_out=${generated}`, ...protos]);
    const faults = encodeURIComponent(JSON.stringify({ seed: 5, gapPerMille: 150, closeAfterMs: 600, closeCode: 4008 }));
    const ticker = setInterval(() => faulty.market.publish(quoteFor('EUR-USD')), 5);
    try {
      const child = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
        execFile(python, [path.join(root, 'examples', 'python', 'watch.py'), '--url', `${faulty.wsUrl}?faults=${faults}`,
          '--symbols', 'EUR-USD', '--rate', '0', '--ticks', '250'],
        { env: { ...process.env, PYTHONPATH: `${generated}:${path.join(root, 'examples', 'python')}` }, timeout: 20_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr })));
      });
      expect(child.stderr).toBe('');
      const events = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; state?: string; code?: number; cause?: string; seq?: number; last?: string });
      const states = events.filter((e) => e.type === 'state').map((e) => `${e.state}${e.code ? ` ${e.code}` : ''}`);
      expect(states.slice(0, 3)).toEqual(['live', 'reconnecting 4008', 'resumed']); // the forced close, then back
      expect(events.some((e) => e.type === 'gap' && e.cause === 'tick')).toBe(true);
      const ticks = events.filter((e) => e.type === 'tick');
      expect(ticks).toHaveLength(250);
      expect(ticks.every((t, i) => i === 0 || t.seq! > ticks[i - 1].seq!)).toBe(true); // never an older price after a newer
      expect(ticks[0].last).toMatch(/^\d\.\d{5}$/);
    } finally {
      clearInterval(ticker);
      await faulty.stop();
    }
  }, 30_000);
});
