import { ConflationWindow } from './conflation';
import type { Quote } from './quote';

const quote = (symbol: string, seq: number, lastPrice = 100 + seq): Quote => ({
  symbol,
  seq,
  bidPrice: lastPrice - 1,
  askPrice: lastPrice + 1,
  bidSize: 1,
  askSize: 1,
  lastPrice,
  timestampUs: seq,
});

describe(ConflationWindow.name, () => {
  let latest: Map<string, Quote>;
  let window: ConflationWindow;
  const publish = (q: Quote) => {
    latest.set(q.symbol, q);
    window.markChanged(q.symbol);
  };
  const drain = () => window.drain((s) => latest.get(s)).map((c) => [c.quote.symbol, c.firstSeq, c.quote.seq]);

  beforeEach(() => {
    latest = new Map();
    window = new ConflationWindow();
  });

  it('emits only the newest state with the range it replaces', () => {
    window.track('AAPL', 0);
    for (let seq = 1; seq <= 5; seq++) publish(quote('AAPL', seq));
    expect(drain()).toEqual([['AAPL', 1, 5]]); // seqs 1..5 become one update
    publish(quote('AAPL', 6));
    publish(quote('AAPL', 7));
    expect(drain()).toEqual([['AAPL', 6, 7]]);
  });

  it('emits nothing when nothing changed', () => {
    window.track('AAPL', 3);
    expect(drain()).toEqual([]);
    expect(window.hasChanges).toBe(false);
  });

  it('starts the first range after the state the subscriber already has', () => {
    latest.set('MSFT', quote('MSFT', 41));
    window.track('MSFT', 41); // the snapshot carried seq 41
    publish(quote('MSFT', 42));
    publish(quote('MSFT', 43));
    expect(drain()).toEqual([['MSFT', 42, 43]]);
  });

  it('keeps symbols independent and in change order', () => {
    window.track('B', 0);
    window.track('A', 0);
    publish(quote('B', 1));
    publish(quote('A', 1));
    publish(quote('B', 2));
    expect(drain()).toEqual([
      ['B', 1, 2],
      ['A', 1, 1],
    ]);
  });

  it('ignores symbols it does not track, and forgets untracked ones', () => {
    publish(quote('X', 1));
    expect(drain()).toEqual([]);
    window.track('X', 1);
    publish(quote('X', 2));
    window.untrack('X');
    expect(drain()).toEqual([]);
    expect(window.isTracking('X')).toBe(false);
  });
});
