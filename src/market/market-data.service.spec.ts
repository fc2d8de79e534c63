import { EventBus } from '../events/event-bus';
import type { DomainEvents } from '../events/event-bus';
import { clusterEpoch, MarketDataService, supersedes } from './market-data.service';
import type { Quote } from './quote';

const input = { symbol: 'BTC-USD', bidPrice: 100, askPrice: 102, bidSize: 1, askSize: 1, lastPrice: 101 };
const sequenced = (seq: number, symbol = 'BTC-USD'): Quote => ({ ...input, symbol, seq, timestampUs: seq });

function setUp() {
  const bus = new EventBus();
  const market = new MarketDataService(bus);
  const ticks: number[] = [];
  const resyncs: DomainEvents['market.resynced'][] = [];
  bus.on('tick.published', (q) => ticks.push(q.seq));
  bus.on('market.resynced', (e) => resyncs.push(e));
  return { market, ticks, resyncs };
}

describe(MarketDataService.name, () => {
  it('numbers each symbol from 1 when it sequences', () => {
    const { market, ticks } = setUp();
    market.publish(input);
    market.publish(input);
    market.publish({ ...input, symbol: 'ETH-USD' });
    expect(ticks).toEqual([1, 2, 1]);
    expect(market.latest('BTC-USD')?.seq).toBe(2);
  });

  it('restarts the numbering on a new epoch', () => {
    const { market, ticks, resyncs } = setUp();
    market.publish(input);
    market.startEpoch('e2');
    market.publish(input);
    expect(ticks).toEqual([1, 1]);
    expect(market.epoch).toBe('e2');
    expect(resyncs).toEqual([{ epoch: 'e2', epochChanged: true }]);
  });

  describe('as a replica of the feed', () => {
    it('applies newer ticks and ignores repeated or older ones', () => {
      const { market, ticks } = setUp();
      market.load('e1', []);
      for (const seq of [1, 2, 2, 1, 3]) market.apply('e1', sequenced(seq));
      expect(ticks).toEqual([1, 2, 3]);
      expect(market.latest('BTC-USD')?.seq).toBe(3);
    });

    it('drops the old state when a tick of a new epoch arrives, and says so first', () => {
      const { market, ticks, resyncs } = setUp();
      market.load('e1', [sequenced(50)]);
      market.apply('e2', sequenced(1));
      expect(resyncs.at(-1)).toEqual({ epoch: 'e2', epochChanged: true });
      expect(ticks).toEqual([1]);
      expect(market.latest('BTC-USD')?.seq).toBe(1);
    });

    it('keeps the newer of its own state and the loaded state for each symbol (a load can race live ticks)', () => {
      const { market, resyncs } = setUp();
      market.load('e1', []);
      market.apply('e1', sequenced(10));
      market.load('e1', [sequenced(8), sequenced(4, 'ETH-USD')]);
      expect(market.latest('BTC-USD')?.seq).toBe(10);
      expect(market.latest('ETH-USD')?.seq).toBe(4);
      expect(resyncs.at(-1)).toEqual({ epoch: 'e1', epochChanged: false });
    });

    it('never goes back to the epoch of a feed that was taken over', () => {
      const { market, ticks } = setUp();
      const old = clusterEpoch(1_796_000_000_000, 'a');
      const newer = clusterEpoch(1_796_000_004_000, 'b');
      market.apply(old, sequenced(40));
      market.apply(newer, sequenced(1));
      market.apply(old, sequenced(41)); // the old feed, paused past its lease, publishes once more
      market.load(old, [sequenced(42)]);
      expect(market.epoch).toBe(newer);
      expect(ticks).toEqual([40, 1]);
    });
  });
});

describe(supersedes.name, () => {
  it.each([
    [clusterEpoch(2_000_000_000_000, 'x'), clusterEpoch(1_900_000_000_000, 'y'), true],
    [clusterEpoch(1_900_000_000_000, 'x'), clusterEpoch(2_000_000_000_000, 'y'), false],
    [clusterEpoch(1_900_000_000_000, 'x'), 'f0c1a5e4-8b0e-4c4a-9f1e-0a1b2c3d4e5f', true], // a replica's own random epoch
    ['f0c1a5e4-8b0e-4c4a-9f1e-0a1b2c3d4e5f', 'b7d2...', true],
  ])('%s over %s → %s', (candidate, current, expected) => expect(supersedes(candidate, current)).toBe(expected));
});
