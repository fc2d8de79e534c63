/**
 * The client side of the fan-out bench, run as its own child process: N loopback `ws`
 * clients, each subscribed to the symbols and max_rate it is told (BTC-USD at every update
 * unless told otherwise). Every message is counted, a TickBatch as the ticks in it (read from
 * its length prefixes, not decoded); only every Nth update frame per client is decoded with
 * protobufjs and timed (receive time minus `tick.timestampUs` of each tick in it, both
 * wall-clock microseconds on this machine) into an HDR histogram.
 * The clients speak bidtape's subprotocol or, against the Socket.IO peer, Socket.IO over
 * Engine.IO (socketio-client.ts), where a tick's bytes arrive as a binary attachment.
 * Driven over IPC by the runner (see harness-protocol.ts).
 */
import * as hdr from 'hdr-histogram-js';
import type { Socket } from 'node:net';
import * as protobuf from 'protobufjs/minimal';
import WebSocket from 'ws';
import type { ClientOptions } from 'ws';
import { bidtape } from '../src/generated/bidtape';
import type { ConnectCommand, Connected, HarnessCommand, HarnessReply, LatencySummary, WindowReport } from './harness-protocol';
import { classifyText, joinDefaultNamespace, pong, SUBSCRIBE_WITH_ACK } from './socketio-client';

// Decode int64 fields as plain numbers (every value stays below 2^53).
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

const pb = bidtape.v1;
/** First byte of a ServerMessage whose `kind` is `tick` (field 10, length-delimited). */
const TICK_TAG = (10 << 3) | 2;
/** First byte of a ServerMessage whose `kind` is `tick_batch` (field 11, length-delimited). */
const TICK_BATCH_TAG = (11 << 3) | 2;
/** Tag of TickBatch.ticks (field 1, length-delimited). */
const BATCH_TICKS_TAG = (1 << 3) | 2;
const SUBPROTOCOL = 'bidtape.v1.proto';

const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;

const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
const sockets: WebSocket[] = [];
let ticks = 0;
let updateFrames = 0;
let otherMessages = 0;
let negative = 0;
let closed = 0;
let sampleEvery = 20;
let measuring = false;
let windowStart = { at: 0, cpu: process.cpuUsage(), bytes: 0 };
const SLICE_MS = 500;
let timeline: number[] = [];
let sliceTimer: NodeJS.Timeout | undefined;
let sliceStartTicks = 0;

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

/** Counts a message; true when it carried updates (a Tick or a TickBatch). */
function onMessage(data: Buffer): boolean {
  const tag = data[0];
  if (tag === TICK_TAG) ticks++;
  else if (tag === TICK_BATCH_TAG) ticks += countBatchTicks(data);
  else {
    otherMessages++;
    return false;
  }
  updateFrames++;
  return true;
}

/** Decodes an update frame and records receive time minus publish time of each tick in it. */
function recordLatency(data: Buffer): void {
  const receivedUs = nowMicros();
  const message = pb.ServerMessage.decode(data);
  for (const tick of message.tick ? [message.tick] : (message.tickBatch?.ticks ?? [])) {
    const latencyUs = receivedUs - (tick.timestampUs as number);
    if (latencyUs < 0) negative++;
    histogram.recordValue(Math.max(0, Math.round(latencyUs)));
  }
}

/** Attaches the per-client handler: count everything, decode every `sampleEvery`th update frame. */
function watch(ws: WebSocket): void {
  let seen = 0;
  ws.on('message', (data: Buffer) => {
    if (!onMessage(data) || !measuring || ++seen % sampleEvery !== 0) return;
    recordLatency(data);
  });
}

/**
 * The same for a Socket.IO client. A tick is a text header and then a binary attachment
 * with the ServerMessage bytes: the attachment counts as the tick (by its first byte, as
 * above) and is what gets decoded; the header counts as nothing, so ticks per second compare
 * like for like with the other servers. Pings are answered and counted as other messages.
 */
function watchSocketIo(ws: WebSocket): void {
  let seen = 0;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      const kind = classifyText(data);
      if (kind === 'ping') pong(ws);
      if (kind !== 'tick-header') otherMessages++;
      return;
    }
    if (!onMessage(data) || !measuring || ++seen % sampleEvery !== 0) return;
    recordLatency(data);
  });
}

const subscribeRequest = (command: ConnectCommand) =>
  pb.ClientMessage.encode({ id: 1, subscribe: { symbols: command.symbols ?? ['BTC-USD'], maxRate: command.maxRate ?? 0 } }).finish();

const isSocketIo = (command: ConnectCommand) => command.protocol === 'socketio';

function clientOptions(command: ConnectCommand): ClientOptions {
  return {
    ...(command.localAddress ? { localAddress: command.localAddress } : {}),
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
function openClient(command: ConnectCommand): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socketIo = isSocketIo(command);
    // Socket.IO offers no subprotocol.
    const ws = socketIo
      ? new WebSocket(command.url, clientOptions(command))
      : new WebSocket(command.url, SUBPROTOCOL, clientOptions(command));
    const fail = (error: Error) => {
      ws.terminate();
      reject(error);
    };
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error(`handshake refused: HTTP ${res.statusCode}`)));
    const opened = () => {
      ws.off('error', fail);
      ws.on('error', () => undefined);
      ws.once('close', () => closed++);
      if (socketIo) watchSocketIo(ws);
      else watch(ws);
      resolve(ws);
    };
    ws.once('open', () => {
      if (socketIo) joinDefaultNamespace(ws).then(opened, fail);
      else opened();
    });
  });
}

/** Sends the subscribe request; resolves on the first message back (the subscribe reply). */
function subscribe(ws: WebSocket, command: ConnectCommand): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const onClose = () => reject(new Error('closed before the subscribe reply'));
    ws.once('close', onClose);
    ws.once('message', () => {
      ws.off('close', onClose);
      resolve(ws);
    });
    ws.send(isSocketIo(command) ? SUBSCRIBE_WITH_ACK : subscribeRequest(command));
  });
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
  const opened: WebSocket[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const fail = (error: unknown) => {
    failed++;
    firstError ??= (error as Error).message;
  };
  const worker = async () => {
    while (next < command.clients && performance.now() < deadline) {
      next++;
      try {
        opened.push(await withTimeout(openClient(command), remaining(), 'handshake'));
      } catch (error) {
        fail(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.clients) }, worker));
  const results = await Promise.allSettled(opened.map((ws) => withTimeout(subscribe(ws, command), remaining(), 'subscribe reply')));
  for (const result of results) {
    if (result.status === 'fulfilled') sockets.push(result.value);
    else fail(result.reason);
  }
  return {
    type: 'connected',
    subscribed: sockets.length,
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

function bytesRead(): number {
  let total = 0;
  for (const ws of sockets) total += (ws as unknown as { _socket?: Socket })._socket?.bytesRead ?? 0;
  return total;
}

function startWindow(every: number): void {
  sampleEvery = every;
  histogram.reset();
  ticks = 0;
  updateFrames = 0;
  otherMessages = 0;
  negative = 0;
  closed = 0;
  measuring = true;
  windowStart = { at: performance.now(), cpu: process.cpuUsage(), bytes: bytesRead() };
  timeline = [];
  sliceStartTicks = 0;
  sliceTimer = setInterval(() => {
    timeline.push((ticks - sliceStartTicks) * (1000 / SLICE_MS));
    sliceStartTicks = ticks;
  }, SLICE_MS);
}

function stopWindow(): WindowReport {
  measuring = false;
  clearInterval(sliceTimer);
  const seconds = (performance.now() - windowStart.at) / 1000;
  const cpu = process.cpuUsage(windowStart.cpu);
  const bytes = bytesRead() - windowStart.bytes;
  return {
    type: 'window',
    seconds,
    ticks,
    otherMessages,
    ticksPerSecond: ticks / seconds,
    updateFrames,
    updateFramesPerSecond: updateFrames / seconds,
    timeline: timeline.map(Math.round),
    wireBytesPerMessage: ticks + otherMessages > 0 ? bytes / (ticks + otherMessages) : 0,
    latency: summarize(),
    cpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
    cpuUserPercent: (cpu.user / 1e6 / seconds) * 100,
    cpuSystemPercent: (cpu.system / 1e6 / seconds) * 100,
    closed,
  };
}

function summarize(): LatencySummary {
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
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
