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

  it.each([
    // ticks published, in order → symbols drained, each where its newest tick was
    [['B1', 'A1', 'B2'], ['A', 'B']],
    [['B1', 'A1'], ['B', 'A']],
    [['A1', 'B1', 'C1', 'A2', 'B2'], ['C', 'A', 'B']],
    [['A1', 'A2', 'A3', 'B1'], ['A', 'B']],
  ])('keeps symbols independent, ordered by their newest tick: %j drains as %j', (published, order) => {
    for (const symbol of ['A', 'B', 'C']) window.track(symbol, 0);
    for (const tick of published) publish(quote(tick[0], Number(tick.slice(1))));
    expect(drain().map(([symbol]) => symbol)).toEqual(order);
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
