/**
 * The ticks of the bench's peer servers (bare-ws-server.ts, bare-batch-server.ts,
 * socketio-server.ts, naive-throttle-server.ts): the app's seeded PriceModel (BTC-USD only unless told otherwise),
 * each tick stamped at publish and encoded once as a `ServerMessage { tick }`, paced like
 * src/simulator/simulator.service.ts. The peers take it from here, so they offer the same
 * ticks at the same moments.
 *
 * Env (read by {@link tickStreamFromEnv}): BARE_TICKS_PER_SECOND (0: no ticks; the total over
 * all symbols, like the app's SIM_TICKS_PER_SECOND), BARE_SEED, BARE_TIME_ACCELERATION,
 * BARE_SYMBOLS (comma list of catalogue symbols; default BTC-USD).
 */
import { bidtape } from '../src/generated/bidtape';
import type { InstrumentInfo } from '../src/market/quote';
import { PriceModel } from '../src/simulator/price-model';
import type { SimulatedInstrument } from '../src/simulator/price-model';
import { DEFAULT_PRICE_PROFILES } from '../src/simulator/price-profiles';

const pb = bidtape.v1;

// Same pacing as the app's simulator: wake every 5 ms, publish the ticks due since start,
// skip backlog beyond 0.25 s after a stall.
const PACE_MS = 5;
const MAX_BACKLOG_SECONDS = 0.25;

/**
 * The catalogue as the migrations seed it (1795386468840-CreateInstruments.ts, and the
 * candle sources of 1796212800000-AddPublishersAndCandles.ts), in its order.
 */
const CATALOGUE_ROWS = [
  ['BTC-USD', 'Bitcoin / US Dollar', 2, 8, 1000, 'USD', 'trades'],
  ['ETH-USD', 'Ether / US Dollar', 2, 8, 100000, 'USD', 'trades'],
  ['SOL-USD', 'Solana / US Dollar', 2, 6, 1000, 'USD', 'trades'],
  ['AAPL', 'Apple Inc.', 2, 0, 1, 'USD', 'trades'],
  ['MSFT', 'Microsoft Corporation', 2, 0, 1, 'USD', 'trades'],
  ['NVDA', 'NVIDIA Corporation', 2, 0, 1, 'USD', 'trades'],
  ['TSLA', 'Tesla, Inc.', 2, 0, 1, 'USD', 'trades'],
  ['AMZN', 'Amazon.com, Inc.', 2, 0, 1, 'USD', 'trades'],
  ['EUR-USD', 'Euro / US Dollar', 5, 0, 1000, 'USD', 'quotes'],
  ['GBP-USD', 'British Pound / US Dollar', 5, 0, 1000, 'USD', 'quotes'],
  ['USD-JPY', 'US Dollar / Japanese Yen', 3, 0, 1000, 'JPY', 'quotes'],
  ['XAU-USD', 'Gold / US Dollar', 2, 2, 1, 'USD', 'trades'],
] as const;

/** The catalogue as the app's instruments service holds it (what its snapshots describe). */
export const BENCH_INSTRUMENTS: readonly InstrumentInfo[] = CATALOGUE_ROWS.map(
  ([symbol, displayName, priceScale, sizeScale, lotSize, quoteCurrency, candleSource]) => ({
    symbol, displayName, priceScale, tickSize: 1, sizeScale, lotSize, quoteCurrency, candleSource,
  }),
);

/** The same instruments as the simulator's price model takes them. */
export const BENCH_CATALOGUE: readonly SimulatedInstrument[] = BENCH_INSTRUMENTS.map(({ symbol, priceScale, tickSize, sizeScale, lotSize }) => ({
  symbol, priceScale, tickSize, sizeScale, lotSize, profile: DEFAULT_PRICE_PROFILES[symbol],
}));

export const CATALOGUE_SYMBOLS: readonly string[] = BENCH_CATALOGUE.map((i) => i.symbol);
export const BENCH_INSTRUMENT = BENCH_CATALOGUE[0];

export interface TickStreamOptions {
  /** Total over all symbols; 0: {@link TickStream.start} never publishes. */
  ticksPerSecond: number;
  seed: number;
  timeAcceleration: number;
  /** Catalogue symbols to tick; default BTC-USD. */
  symbols?: readonly string[];
}

/**
 * The model's instruments as the app's simulator builds them: the wanted catalogue symbols
 * ordered by symbol (InstrumentsService loads them so), so the same seed picks the same ones.
 */
function instrumentsOf(symbols: readonly string[]): SimulatedInstrument[] {
  const unknown = symbols.filter((s) => !CATALOGUE_SYMBOLS.includes(s));
  if (unknown.length > 0) throw new Error(`not in the catalogue: ${unknown.join(', ')}`);
  return BENCH_CATALOGUE.filter((i) => symbols.includes(i.symbol)).sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
}

export function encodeTickMessage(tick: bidtape.v1.ITick): Uint8Array {
  return pb.ServerMessage.encode({ tick }).finish();
}

/**
 * A tick as `bidtape.v1.json` sends it (the protobuf JSON mapping: fields in field order,
 * 64-bit integers as decimal strings), made the way a bare `ws` service would: one
 * JSON.stringify of a plain object.
 */
export function tickJsonText(tick: bidtape.v1.ITick): string {
  const int64 = (value: unknown) => String(value);
  return JSON.stringify({
    tick: {
      symbol: tick.symbol,
      seq: int64(tick.seq),
      firstSeq: int64(tick.firstSeq),
      bidPrice: int64(tick.bidPrice),
      askPrice: int64(tick.askPrice),
      bidSize: int64(tick.bidSize),
      askSize: int64(tick.askSize),
      lastPrice: int64(tick.lastPrice),
      timestampUs: int64(tick.timestampUs),
    },
  });
}

/** What a peer gets for each tick: its `ServerMessage { tick }` bytes, its symbol and the tick. */
export type PublishTick = (message: Uint8Array, symbol: string, tick: bidtape.v1.ITick) => void;

export class TickStream {
  private readonly model: PriceModel;
  /** Per symbol, as the app numbers them. */
  private readonly seqs = new Map<string, number>();
  private started = false;

  constructor(private readonly options: TickStreamOptions) {
    this.model = new PriceModel({
      seed: options.seed,
      ticksPerSecond: Math.max(1, options.ticksPerSecond),
      timeAcceleration: options.timeAcceleration,
      instruments: instrumentsOf(options.symbols ?? [BENCH_INSTRUMENT.symbol]),
    });
  }

  /** The next tick of the model, stamped now. */
  nextTick(): bidtape.v1.ITick {
    const quote = this.model.next();
    const seq = (this.seqs.get(quote.symbol) ?? 0) + 1;
    this.seqs.set(quote.symbol, seq);
    const timestampUs = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    // Fields named, not spread: Node 20 gives each `{ ...quote, seq }` a hidden class of its own.
    const { symbol, bidPrice, askPrice, lastPrice, bidSize, askSize } = quote;
    return { symbol, seq, firstSeq: seq, bidPrice, askPrice, bidSize, askSize, lastPrice, timestampUs };
  }

  /** The next tick as the bytes of a `ServerMessage { tick }`, encoded once for every client. */
  nextMessage(): Uint8Array {
    return encodeTickMessage(this.nextTick());
  }

  /** Hands each tick to `publish` as it falls due, from now on; later calls do nothing. */
  start(publish: PublishTick): void {
    const { ticksPerSecond } = this.options;
    if (this.started || ticksPerSecond <= 0) return;
    this.started = true;
    const startedAt = performance.now();
    let published = 0;
    const backlogLimit = Math.max(1, Math.ceil(ticksPerSecond * MAX_BACKLOG_SECONDS));
    setInterval(() => {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * ticksPerSecond);
      if (due - published > backlogLimit) published = due - backlogLimit;
      for (; published < due; published++) {
        const tick = this.nextTick();
        publish(encodeTickMessage(tick), tick.symbol!, tick);
      }
    }, PACE_MS);
  }
}

export function tickStreamFromEnv(env: NodeJS.ProcessEnv): TickStream {
  return new TickStream({
    ticksPerSecond: Number(env.BARE_TICKS_PER_SECOND ?? 200),
    seed: Number(env.BARE_SEED ?? 42),
    timeAcceleration: Number(env.BARE_TIME_ACCELERATION ?? 60),
    symbols: env.BARE_SYMBOLS ? env.BARE_SYMBOLS.split(',') : undefined,
  });
}

/** The peers' end: the runner closes their stdin (or goes away) to stop them. */
export function exitWhenStdinCloses(): void {
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
}
