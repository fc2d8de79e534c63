import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import '../src/gateway/wire/protobuf-numbers';
import { bidtape } from '../src/generated/bidtape';
import { openRecording } from '../sdk/src/recording';
import type { RecordedItem } from '../sdk/src/recording';
import { freshSymbol, publisherFor } from './support/market';
import { pollUntil } from './support/poll';
import { startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';
import { SDK_CLI } from './support/sdk-build';

const pb = bidtape.v1;
const ITEMS = 24; // 12 quotes and 12 trades, 50 ms apart: a recording about 0.6 s long

/** The CLI as a user runs it; resolves with its exit code and output. `onStderr` sees stderr as it comes. */
function cli(args: string[], onStderr?: (text: string) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SDK_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

async function readAll(file: string): Promise<{ header: bidtape.v1.RecordingHeader; items: RecordedItem[] }> {
  const { header, items } = await openRecording(file);
  const all: RecordedItem[] = [];
  for await (const item of items) all.push(item);
  return { header, items: all };
}

/** Raw binary frames of one symbol's quote stream, split into passes at each unsolicited snapshot. */
function passes(frames: Buffer[], symbol: string): Buffer[][] {
  const out: Buffer[][] = [[]];
  for (const frame of frames) {
    const message = pb.ServerMessage.decode(frame);
    if (message.snapshot?.requestId === 0) out.push([]);
    else if (message.tick?.symbol === symbol) out[out.length - 1].push(frame);
  }
  return out;
}

describe('record and replay (real PostgreSQL, real sockets, the CLI as a process)', () => {
  let platform: TestPlatform;
  let symbol: string;
  let key: string;
  let file: string;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform();
    symbol = freshSymbol('R');
    ({ key } = await publisherFor(platform.url, symbol));
    file = path.join(mkdtempSync(path.join(tmpdir(), 'bidtape-rec-')), 'feed.rec');
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => platform.stop());

  it('records a live feed with its original seqs, epoch and timestamps', async () => {
    const publisher = await StreamClient.connect(platform.wsUrl, 'bidtape.v1.proto', { headers: { 'x-api-key': key } });
    clients.push(publisher);
    let publishing: Promise<void> | undefined;
    const startPublishing = () =>
      (publishing ??= (async () => {
        for (let i = 0; i < ITEMS / 2; i++) {
          publisher.send({
            publish: {
              quotes: [{ symbol, bidPrice: 1000 + 5 * i, askPrice: 1010 + 5 * i, bidSize: 10, askSize: 20 }],
              trades: [{ symbol, tradeId: `t${i}`, price: 1005 + 5 * i, size: 10 * (i + 1), aggressorSide: i % 2 ? pb.Side.SIDE_SELL : pb.Side.SIDE_BUY }],
            },
          });
          await new Promise((r) => setTimeout(r, 50));
        }
      })());
    const run = await cli(['record', '--url', platform.wsUrl, '--symbols', symbol, '--out', file, '--count', String(ITEMS)], (stderr) => {
      if (stderr.includes('# recording')) void startPublishing();
    });
    await publishing;
    expect(run).toMatchObject({ code: 0 });
    expect(run.stderr).toContain(`# recorded ${ITEMS} items`);

    const { header, items } = await readAll(file);
    expect(header).toMatchObject({ version: 1, source: platform.wsUrl });
    expect(header.instruments.map((i) => [i.symbol, Number(i.tickSize), Number(i.lotSize)])).toEqual([[symbol, 5, 10]]);
    const ticks = items.filter((i) => i.tick).map((i) => i.tick!);
    const trades = items.filter((i) => i.trade).map((i) => i.trade!);
    expect(ticks.map((t) => Number(t.seq))).toEqual(Array.from({ length: ITEMS / 2 }, (_, i) => i + 1));
    expect(trades.map((t) => [Number(t.seq), t.tradeId])).toEqual(Array.from({ length: ITEMS / 2 }, (_, i) => [i + 1, `t${i}`]));
    expect(new Set(items.map((i) => i.epoch))).toEqual(new Set([platform.market.epoch]));
    for (let i = 1; i < items.length; i++) expect(Number(items[i].receivedTimeUs)).toBeGreaterThanOrEqual(Number(items[i - 1].receivedTimeUs));
  });

  it('replays a recording into a server as a publisher (bidtape replay), numbered afresh there', async () => {
    const watcher = await StreamClient.connect(platform.wsUrl);
    clients.push(watcher);
    watcher.send({ subscribe: { symbols: [symbol], maxRate: 0, channels: [pb.Channel.CHANNEL_QUOTES, pb.Channel.CHANNEL_TRADES] } });
    await watcher.waitFor('snapshot');
    const run = await cli(['replay', file, '--url', platform.wsUrl, '--api-key', key, '--speed', 'max', '--json']);
    expect(run).toMatchObject({ code: 0 });
    expect(JSON.parse(run.stdout)).toEqual({ accepted: ITEMS, rejected: 0 });
    await pollUntil('the replayed items', () => watcher.ticks(symbol).length === ITEMS / 2 && watcher.trades(symbol).length === ITEMS / 2);
    const { items } = await readAll(file);
    const recorded = items.filter((i) => i.tick).map((i) => [Number(i.tick!.bidPrice), Number(i.tick!.askPrice)]);
    expect(watcher.ticks(symbol).map((t) => [Number(t.bidPrice), Number(t.askPrice)])).toEqual(recorded);
    // The server numbers them after what it had: seqs continue, they are not the recording's.
    expect(watcher.ticks(symbol).map((t) => Number(t.seq))).toEqual(Array.from({ length: ITEMS / 2 }, (_, i) => ITEMS / 2 + i + 1));

    const usage = await cli(['replay', '--url', platform.wsUrl]);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('replay needs exactly one recording file');
  });

  it('replays the same file the same way every time: byte-identical ticks in each pass (REPLAY_FILE, REPLAY_LOOP)', async () => {
    const replaying = await startTestPlatform({ REPLAY_FILE: file, REPLAY_LOOP: 'true', REPLAY_SPEED: '4' });
    try {
      const frames: Buffer[] = [];
      const ws = new WebSocket(replaying.wsUrl, 'bidtape.v1.proto', { perMessageDeflate: false });
      ws.on('message', (data: Buffer) => frames.push(data));
      await new Promise((r) => ws.once('open', r));
      ws.send(pb.ClientMessage.encode({ id: 1, subscribe: { symbols: [symbol], maxRate: 0 } }).finish());
      // Passes are split by the unsolicited snapshot of each new epoch: the second and third are whole.
      await pollUntil('three whole passes', () => passes(frames, symbol).length >= 4, 10_000);
      ws.terminate();
      const [, second, third] = passes(frames, symbol);
      expect(second).toHaveLength(ITEMS / 2);
      expect(third.map((f) => f.toString('hex'))).toEqual(second.map((f) => f.toString('hex')));
      // What was rebased and what was not: seqs restart at 1 each pass; prices and source timestamps are the recording's.
      const { items } = await readAll(file);
      const recorded = items.filter((i) => i.tick).map((i) => i.tick!);
      const replayed = second.map((f) => pb.ServerMessage.decode(f).tick!);
      expect(replayed.map((t) => Number(t.seq))).toEqual(recorded.map((_, i) => i + 1));
      expect(replayed.map((t) => [Number(t.bidPrice), Number(t.askPrice), Number(t.timestampUs)]))
        .toEqual(recorded.map((t) => [Number(t.bidPrice), Number(t.askPrice), Number(t.timestampUs)]));
    } finally {
      await replaying.stop();
    }
  });

  it('tells subscribers when a replay has finished (FeedStatus ENDED)', async () => {
    const replaying = await startTestPlatform({ REPLAY_FILE: file, REPLAY_SPEED: '0.5' }); // about 1.2 s long
    try {
      const client = await StreamClient.connect(replaying.wsUrl);
      clients.push(client);
      client.send({ subscribe: { symbols: [symbol], maxRate: 0, channels: [pb.Channel.CHANNEL_QUOTES, pb.Channel.CHANNEL_TRADES] } });
      const ended = await pollUntil('FeedStatus ENDED', () => client.of('feedStatus').find((m) => m.feedStatus!.state === pb.FeedState.FEED_STATE_ENDED), 10_000);
      expect(ended.feedStatus!.message).toContain('finished');
      const last = client.ticks(symbol).at(-1) ?? client.of('snapshot')[0].snapshot!.symbols![0].latest;
      expect(Number(last!.seq)).toBe(ITEMS / 2); // the whole recording, then the end
    } finally {
      await replaying.stop();
    }
  });
});
