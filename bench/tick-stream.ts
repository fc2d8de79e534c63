/**
 * The ticks of the bench's peer servers (bare-ws-server.ts, socketio-server.ts): the app's
 * seeded PriceModel with BTC-USD only, each tick stamped at publish and encoded once as a
 * `ServerMessage { tick }`, paced like src/simulator/simulator.service.ts. Both peers take
 * it from here, so they offer the same ticks at the same moments.
 *
 * Env (read by {@link tickStreamFromEnv}): BARE_TICKS_PER_SECOND (0: no ticks), BARE_SEED,
 * BARE_TIME_ACCELERATION.
 */
import { bidtape } from '../src/generated/bidtape';
import { PriceModel } from '../src/simulator/price-model';
import { DEFAULT_PRICE_PROFILES } from '../src/simulator/price-profiles';

const pb = bidtape.v1;

// Same pacing as the app's simulator: wake every 5 ms, publish the ticks due since start,
// skip backlog beyond 0.25 s after a stall.
const PACE_MS = 5;
const MAX_BACKLOG_SECONDS = 0.25;

export const BENCH_INSTRUMENT = {
  symbol: 'BTC-USD',
  priceScale: 2,
  tickSize: 1,
  sizeScale: 8,
  lotSize: 1000,
  profile: DEFAULT_PRICE_PROFILES['BTC-USD'],
};

export interface TickStreamOptions {
  /** 0: {@link TickStream.start} never publishes. */
  ticksPerSecond: number;
  seed: number;
  timeAcceleration: number;
}

export function encodeTickMessage(tick: bidtape.v1.ITick): Uint8Array {
  return pb.ServerMessage.encode({ tick }).finish();
}

export class TickStream {
  private readonly model: PriceModel;
  private seq = 0;
  private started = false;

  constructor(private readonly options: TickStreamOptions) {
    this.model = new PriceModel({
      seed: options.seed,
      ticksPerSecond: Math.max(1, options.ticksPerSecond),
      timeAcceleration: options.timeAcceleration,
      instruments: [BENCH_INSTRUMENT],
    });
  }

  /** The next tick of the model, stamped now. */
  nextTick(): bidtape.v1.ITick {
    const quote = this.model.next();
    this.seq++;
    const timestampUs = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    return { ...quote, seq: this.seq, firstSeq: this.seq, timestampUs };
  }

  /** The next tick as the bytes of a `ServerMessage { tick }`, encoded once for every client. */
  nextMessage(): Uint8Array {
    return encodeTickMessage(this.nextTick());
  }

  /** Hands each tick to `publish` as it falls due, from now on; later calls do nothing. */
  start(publish: (message: Uint8Array) => void): void {
    const { ticksPerSecond } = this.options;
    if (this.started || ticksPerSecond <= 0) return;
    this.started = true;
    const startedAt = performance.now();
    let published = 0;
    const backlogLimit = Math.max(1, Math.ceil(ticksPerSecond * MAX_BACKLOG_SECONDS));
    setInterval(() => {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * ticksPerSecond);
      if (due - published > backlogLimit) published = due - backlogLimit;
      for (; published < due; published++) publish(this.nextMessage());
    }, PACE_MS);
  }
}

export function tickStreamFromEnv(env: NodeJS.ProcessEnv): TickStream {
  return new TickStream({
    ticksPerSecond: Number(env.BARE_TICKS_PER_SECOND ?? 200),
    seed: Number(env.BARE_SEED ?? 42),
    timeAcceleration: Number(env.BARE_TIME_ACCELERATION ?? 60),
  });
}

/** The peers' end: the runner closes their stdin (or goes away) to stop them. */
export function exitWhenStdinCloses(): void {
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
}
