/**
 * The client side of the fan-out bench, run as its own child process: N loopback `ws`
 * clients, each subscribed to the symbols and max_rate it is told (BTC-USD at every update
 * unless told otherwise), in one or more client groups that each keep their own counters and
 * latency histogram. Every message is counted, a TickBatch as the ticks in it (read from
 * its length prefixes, not decoded); only every Nth update frame per client is decoded and
 * timed (receive time minus `tick.timestampUs` of each tick in it, both wall-clock
 * microseconds on this machine) into an HDR histogram.
 * The clients speak bidtape's protobuf subprotocol, its JSON one (a tick is recognised by the
 * start of its text; decoded with JSON.parse), or, against the Socket.IO peer, Socket.IO over
 * Engine.IO (socketio-client.ts), where a tick's bytes arrive as a binary attachment. A group
 * may read slowly (harness-protocol.ts, SlowRead).
 * Driven over IPC by the runner (see harness-protocol.ts).
 */
import * as hdr from 'hdr-histogram-js';
import type { Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as protobuf from 'protobufjs/minimal';
import WebSocket from 'ws';
import type { ClientOptions } from 'ws';
import { bidtape } from '../src/generated/bidtape';
import type {
  ClientGroup,
  ClientProtocol,
  ConnectCommand,
  Connected,
  GroupWindow,
  HarnessCommand,
  HarnessReply,
  LatencySummary,
  SlowRead,
  WindowCounts,
  WindowReport,
} from './harness-protocol';
import { inflateEachMessageOnce } from './inflate-memo';
import { classifyText, joinDefaultNamespace, pong, SUBSCRIBE_WITH_ACK } from './socketio-client';

// Decode int64 fields as plain numbers (every value stays below 2^53).
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();
inflateEachMessageOnce();

const pb = bidtape.v1;
/** First byte of a ServerMessage whose `kind` is `tick` (field 10, length-delimited). */
const TICK_TAG = (10 << 3) | 2;
/** First byte of a ServerMessage whose `kind` is `tick_batch` (field 11, length-delimited). */
const TICK_BATCH_TAG = (11 << 3) | 2;
/** Tag of TickBatch.ticks (field 1, length-delimited). */
const BATCH_TICKS_TAG = (1 << 3) | 2;
const SUBPROTOCOLS: Record<Exclude<ClientProtocol, 'socketio'>, string> = { bidtape: 'bidtape.v1.proto', json: 'bidtape.v1.json' };
// The JSON mapping writes the oneof's field first, and a Tick's `symbol` first (field order).
const JSON_TICK = Buffer.from('{"tick":');
const JSON_TICK_BATCH = Buffer.from('{"tickBatch":');
const JSON_SYMBOL = Buffer.from('"symbol":');

const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;
const newHistogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

const socketOf = (ws: WebSocket) => (ws as unknown as { _socket?: Socket })._socket;

function bytesRead(sockets: readonly WebSocket[]): number {
  let total = 0;
  for (const ws of sockets) total += socketOf(ws)?.bytesRead ?? 0;
  return total;
}

/** One client group: its clients and what they received since the window started. */
class GroupStats {
  readonly sockets: WebSocket[] = [];
  ticks = 0;
  updateFrames = 0;
  otherMessages = 0;
  negative = 0;
  closed = 0;
  closeCodes: Record<string, number> = {};
  readonly histogram = newHistogram();
  bytesAtStart = 0;

  constructor(readonly group: ClientGroup) {}

  reset(): void {
    this.ticks = 0;
    this.updateFrames = 0;
    this.otherMessages = 0;
    this.negative = 0;
    this.closed = 0;
    this.closeCodes = {};
    this.histogram.reset();
    this.bytesAtStart = bytesRead(this.sockets);
  }

  onClose(code: number): void {
    this.closed++;
    this.closeCodes[code] = (this.closeCodes[code] ?? 0) + 1;
  }

  /** Receive time minus publish time of each tick of a decoded update frame. */
  record(receivedUs: number, timestampsUs: Iterable<number>): void {
    for (const timestampUs of timestampsUs) {
      const latencyUs = receivedUs - timestampUs;
      if (latencyUs < 0) this.negative++;
      this.histogram.recordValue(Math.max(0, Math.round(latencyUs)));
    }
  }

  window(seconds: number): GroupWindow {
    const wireBytes = bytesRead(this.sockets) - this.bytesAtStart;
    return { name: this.group.name, clients: this.sockets.length, ...windowCounts(this, wireBytes, this.histogram, seconds) };
  }
}

type Tally = Pick<GroupStats, 'ticks' | 'updateFrames' | 'otherMessages' | 'negative' | 'closed' | 'closeCodes'>;

function windowCounts(tally: Tally, wireBytes: number, histogram: hdr.Histogram, seconds: number): WindowCounts {
  return {
    ticks: tally.ticks,
    ticksPerSecond: tally.ticks / seconds,
    updateFrames: tally.updateFrames,
    updateFramesPerSecond: tally.updateFrames / seconds,
    otherMessages: tally.otherMessages,
    wireBytes,
    wireBytesPerMessage: tally.ticks + tally.otherMessages > 0 ? wireBytes / (tally.ticks + tally.otherMessages) : 0,
    latency: summarize(histogram, tally.negative),
    closed: tally.closed,
    closeCodes: tally.closeCodes,
  };
}

let groups: GroupStats[] = [];
let sampleEvery = 20;
let measuring = false;
let windowStart = { at: 0, cpu: process.cpuUsage() };
const loopDelay = monitorEventLoopDelay({ resolution: 2 });
const SLICE_MS = 500;
let timeline: number[] = [];
let sliceTimer: NodeJS.Timeout | undefined;
let sliceStartTicks = 0;

const allSockets = () => groups.flatMap((g) => g.sockets);
const totalTicks = () => groups.reduce((sum, g) => sum + g.ticks, 0);

function send(reply: HarnessReply): void {
  process.send?.(reply);
}

/** Reads a varint at `offset`; returns it and the offset after it. */
function readVarint(data: Buffer, offset: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  let byte: number;
  do {
    byte = data[offset++] ?? 0;
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80 && offset < data.length);
  return [value, offset];
}

/** Ticks in a `ServerMessage { tick_batch }`, by walking the length prefixes of its elements. */
function countBatchTicks(data: Buffer): number {
  let [, offset] = readVarint(data, 1);
  let count = 0;
  while (offset < data.length && data[offset] === BATCH_TICKS_TAG) {
    const [length, next] = readVarint(data, offset + 1);
    offset = next + length;
    count++;
  }
  return count;
}

const startsWith = (data: Buffer, prefix: Buffer) => data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

function occurrences(data: Buffer, needle: Buffer): number {
  let count = 0;
  for (let at = data.indexOf(needle); at !== -1; at = data.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** Counts a protobuf message; true when it carried updates (a Tick or a TickBatch). */
function countProto(data: Buffer, stats: GroupStats): boolean {
  const tag = data[0];
  if (tag === TICK_TAG) stats.ticks++;
  else if (tag === TICK_BATCH_TAG) stats.ticks += countBatchTicks(data);
  else {
    stats.otherMessages++;
    return false;
  }
  stats.updateFrames++;
  return true;
}

/** The same for a JSON text message, by its start (a batch: by the ticks' `symbol` keys). */
function countJson(data: Buffer, stats: GroupStats): boolean {
  if (startsWith(data, JSON_TICK)) stats.ticks++;
  else if (startsWith(data, JSON_TICK_BATCH)) stats.ticks += occurrences(data, JSON_SYMBOL);
  else {
    stats.otherMessages++;
    return false;
  }
  stats.updateFrames++;
  return true;
}

/**
 * Counts a message; true when it carried updates. A Socket.IO tick is a text header and then
 * a binary attachment with the ServerMessage bytes: the attachment counts as the tick (by its
 * first byte, as above) and is what gets decoded; the header counts as nothing, so ticks per
 * second compare like for like with the other servers. Pings are answered and counted as
 * other messages.
 */
function countMessage(protocol: ClientProtocol, ws: WebSocket, data: Buffer, isBinary: boolean, stats: GroupStats): boolean {
  switch (protocol) {
    case 'bidtape':
      return countProto(data, stats);
    case 'json':
      return countJson(data, stats);
    case 'socketio': {
      if (isBinary) return countProto(data, stats);
      const kind = classifyText(data);
      if (kind === 'ping') pong(ws);
      if (kind !== 'tick-header') stats.otherMessages++;
      return false;
    }
  }
}

/** Decodes an update frame and records the latency of each tick in it. */
function recordLatency(protocol: ClientProtocol, data: Buffer, stats: GroupStats): void {
  const receivedUs = nowMicros();
  if (protocol === 'json') {
    const message = JSON.parse(data.toString()) as { tick?: { timestampUs: string }; tickBatch?: { ticks: { timestampUs: string }[] } };
    stats.record(receivedUs, (message.tick ? [message.tick] : (message.tickBatch?.ticks ?? [])).map((t) => Number(t.timestampUs)));
    return;
  }
  const message = pb.ServerMessage.decode(data);
  stats.record(receivedUs, (message.tick ? [message.tick] : (message.tickBatch?.ticks ?? [])).map((t) => t.timestampUs as number));
}

/** Attaches the per-client handler: count everything, decode every Nth update frame. */
function watch(ws: WebSocket, protocol: ClientProtocol, stats: GroupStats): void {
  let seen = 0;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!countMessage(protocol, ws, data, isBinary, stats) || !measuring) return;
    if (++seen % (stats.group.sampleEvery ?? sampleEvery) === 0) recordLatency(protocol, data, stats);
  });
}

/**
 * Keeps the socket paused but for a budget of bytes per interval. Node reads a paused socket
 * no further than its stream buffer, so the kernel's receive buffer fills, the TCP window
 * closes and what the server sends piles up on its side.
 */
function readSlowly(ws: WebSocket, slow: SlowRead): void {
  const budget = (slow.bytesPerSecond * slow.intervalMs) / 1000;
  let allowance = 0;
  ws.pause();
  socketOf(ws)?.on('data', (chunk: Buffer) => {
    allowance -= chunk.length;
    if (allowance <= 0) ws.pause();
  });
  const timer = setInterval(() => {
    // No saving up beyond one interval; a debt from an overshooting read is paid back first.
    allowance = Math.min(budget, allowance + budget);
    if (allowance > 0) ws.resume();
  }, slow.intervalMs);
  ws.once('close', () => clearInterval(timer));
}

function subscribeRequest(command: ConnectCommand, group: ClientGroup): string | Uint8Array {
  const subscribe = { symbols: group.symbols ?? command.symbols ?? ['BTC-USD'], maxRate: group.maxRate ?? command.maxRate ?? 0 };
  switch (command.protocol ?? 'bidtape') {
    case 'bidtape':
      return pb.ClientMessage.encode({ id: 1, subscribe }).finish();
    case 'json':
      return JSON.stringify({ id: 1, subscribe });
    case 'socketio':
      return SUBSCRIBE_WITH_ACK;
  }
}

function clientOptions(command: ConnectCommand, group: ClientGroup): ClientOptions {
  const localAddress = group.localAddress ?? command.localAddress;
  return {
    ...(localAddress ? { localAddress } : {}),
    perMessageDeflate:
      command.deflateWindowBits > 0
        ? {
            serverNoContextTakeover: true,
            clientNoContextTakeover: true,
            serverMaxWindowBits: command.deflateWindowBits,
            clientMaxWindowBits: command.deflateWindowBits,
          }
        : false,
  };
}

/**
 * Resolves once the WebSocket handshake (and for Socket.IO, joining the default namespace)
 * is done; nothing is subscribed yet.
 */
function openClient(command: ConnectCommand, stats: GroupStats): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const protocol = command.protocol ?? 'bidtape';
    const options = clientOptions(command, stats.group);
    // Socket.IO offers no subprotocol.
    const ws = protocol === 'socketio' ? new WebSocket(command.url, options) : new WebSocket(command.url, SUBPROTOCOLS[protocol], options);
    const fail = (error: Error) => {
      ws.terminate();
      reject(error);
    };
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error(`handshake refused: HTTP ${res.statusCode}`)));
    const opened = () => {
      ws.off('error', fail);
      ws.on('error', () => undefined);
      ws.once('close', (code: number) => stats.onClose(code));
      watch(ws, protocol, stats);
      resolve(ws);
    };
    ws.once('open', () => {
      if (protocol === 'socketio') joinDefaultNamespace(ws).then(opened, fail);
      else opened();
    });
  });
}

/** Sends the subscribe request; resolves on the first message back (the subscribe reply). */
function subscribe(ws: WebSocket, command: ConnectCommand, group: ClientGroup): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const onClose = () => reject(new Error('closed before the subscribe reply'));
    ws.once('close', onClose);
    ws.once('message', () => {
      ws.off('close', onClose);
      resolve(ws);
    });
    ws.send(subscribeRequest(command, group));
  });
}

/**
 * The group of each client in connect order: each group's clients spread evenly over the
 * order, so no group sits at one end of the server's fan-out loop.
 */
function groupOrder(command: ConnectCommand): number[] {
  const specs = command.groups ?? [];
  const counts = specs.map((g) => Math.round(g.share * command.clients));
  counts[counts.length - 1] = command.clients - counts.slice(0, -1).reduce((sum, n) => sum + n, 0);
  return counts
    .flatMap((count, group) => Array.from({ length: Math.max(0, count) }, (_, k) => ({ group, at: (k + 0.5) / count })))
    .sort((a, b) => a.at - b.at || a.group - b.group)
    .map((c) => c.group);
}

/**
 * Opens every client first (a connection without a subscription gets no ticks), then
 * subscribes them all at once: the tick load starts when everyone is in, so no handshake
 * has to compete with a fan-out already running.
 */
async function connect(command: ConnectCommand): Promise<Connected> {
  const started = performance.now();
  const deadline = started + command.timeoutMs;
  const remaining = () => Math.max(1, deadline - performance.now());
  const specs = command.groups?.length ? command.groups : [{ name: 'all', share: 1 }];
  // A later connect (another server, as the cluster bench does) adds to the groups of the same name.
  groups = specs.map((g) => groups.find((known) => known.group.name === g.name) ?? new GroupStats(g));
  const order = groupOrder({ ...command, groups: specs });
  const opened: { ws: WebSocket; stats: GroupStats }[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const fail = (error: unknown) => {
    failed++;
    firstError ??= (error as Error).message;
  };
  const worker = async () => {
    while (next < command.clients && performance.now() < deadline) {
      const stats = groups[order[next++]];
      try {
        opened.push({ ws: await withTimeout(openClient(command, stats), remaining(), 'handshake'), stats });
      } catch (error) {
        fail(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.clients) }, worker));
  const results = await Promise.allSettled(
    opened.map(({ ws, stats }) => withTimeout(subscribe(ws, command, stats.group), remaining(), 'subscribe reply')),
  );
  results.forEach((result, i) => {
    const { ws, stats } = opened[i];
    if (result.status === 'rejected') return fail(result.reason);
    stats.sockets.push(ws);
    if (stats.group.slowRead) readSlowly(ws, stats.group.slowRead);
  });
  return {
    type: 'connected',
    subscribed: allSockets().length,
    failed: failed + (command.clients - next),
    firstError,
    seconds: (performance.now() - started) / 1000,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${Math.round(ms)} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function startWindow(every: number): void {
  sampleEvery = every;
  for (const g of groups) g.reset();
  measuring = true;
  windowStart = { at: performance.now(), cpu: process.cpuUsage() };
  loopDelay.reset();
  loopDelay.enable();
  timeline = [];
  sliceStartTicks = 0;
  sliceTimer = setInterval(() => {
    const ticks = totalTicks();
    timeline.push((ticks - sliceStartTicks) * (1000 / SLICE_MS));
    sliceStartTicks = ticks;
  }, SLICE_MS);
}

function stopWindow(): WindowReport {
  measuring = false;
  clearInterval(sliceTimer);
  loopDelay.disable();
  const seconds = (performance.now() - windowStart.at) / 1000;
  const cpu = process.cpuUsage(windowStart.cpu);
  const perGroup = groups.map((g) => g.window(seconds));
  const histogram = newHistogram();
  const total: Tally = { ticks: 0, updateFrames: 0, otherMessages: 0, negative: 0, closed: 0, closeCodes: {} };
  for (const g of groups) {
    histogram.add(g.histogram);
    total.ticks += g.ticks;
    total.updateFrames += g.updateFrames;
    total.otherMessages += g.otherMessages;
    total.negative += g.negative;
    total.closed += g.closed;
    for (const [code, count] of Object.entries(g.closeCodes)) total.closeCodes[code] = (total.closeCodes[code] ?? 0) + count;
  }
  const wireBytes = perGroup.reduce((sum, g) => sum + g.wireBytes, 0);
  return {
    type: 'window',
    seconds,
    ...windowCounts(total, wireBytes, histogram, seconds),
    timeline: timeline.map(Math.round),
    cpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
    cpuUserPercent: (cpu.user / 1e6 / seconds) * 100,
    cpuSystemPercent: (cpu.system / 1e6 / seconds) * 100,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
    groups: perGroup,
  };
}

function summarize(histogram: hdr.Histogram, negative: number): LatencySummary {
  const ms = (us: number) => us / 1000;
  const empty = histogram.totalCount === 0;
  return {
    count: histogram.totalCount,
    p50Ms: empty ? NaN : ms(histogram.getValueAtPercentile(50)),
    p90Ms: empty ? NaN : ms(histogram.getValueAtPercentile(90)),
    p99Ms: empty ? NaN : ms(histogram.getValueAtPercentile(99)),
    p999Ms: empty ? NaN : ms(histogram.getValueAtPercentile(99.9)),
    maxMs: empty ? NaN : ms(histogram.maxValue),
    meanMs: empty ? NaN : ms(histogram.mean),
    negative,
  };
}

async function handle(command: HarnessCommand): Promise<void> {
  switch (command.type) {
    case 'connect':
      send(await connect(command));
      return;
    case 'start':
      startWindow(command.sampleEvery);
      return;
    case 'stop':
      send(stopWindow());
      return;
  }
}

process.on('message', (command: HarnessCommand) => {
  handle(command).catch((error: unknown) => send({ type: 'failure', message: String(error) }));
});
// The runner going away (normally or not) ends the harness: no orphaned clients.
process.on('disconnect', () => {
  for (const ws of allSockets()) ws.terminate();
  process.exit(0);
});
