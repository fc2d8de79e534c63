import { KeyedBatcher } from './bid-batcher';

describe(KeyedBatcher.name, () => {
  it('commits what arrives during a commit as the next batch, in order, one batch per key at a time', async () => {
    const batches: string[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const batcher = new KeyedBatcher<string, string, string>(3, async (key, items) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      batches.push(items);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return items.map((i) => `${key}:${i}`);
    });
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((i) => batcher.submit('k', i)));
    expect(results).toEqual(['k:a', 'k:b', 'k:c', 'k:d', 'k:e']);
    expect(batches).toEqual([['a'], ['b', 'c', 'd'], ['e']]); // the first starts at once; max batch 3
    expect(maxInFlight).toBe(1);
    expect(batcher.isIdle('k')).toBe(true);
  });

  it('starts the next batch before the one before hands out its results', async () => {
    const events: string[] = [];
    let finishFirst!: () => void;
    const batcher = new KeyedBatcher<string, string, string>(10, (_key, items) => {
      events.push(`start ${items.join(',')}`);
      if (items[0] === 'a') return new Promise((resolve) => (finishFirst = () => resolve(items)));
      return Promise.resolve(items);
    });
    const first = batcher.submit('k', 'a').then(() => events.push('answered a'));
    const second = batcher.submit('k', 'b').then(() => events.push('answered b'));
    finishFirst();
    await Promise.all([first, second]);
    expect(events).toEqual(['start a', 'start b', 'answered a', 'answered b']);
  });

  it('runs different keys in parallel and fails only the failing batch', async () => {
    const batcher = new KeyedBatcher<string, number, number>(10, async (key, items) => {
      await new Promise((r) => setTimeout(r, 5));
      if (key === 'bad') throw new Error('database down');
      return items.map((n) => n * 2);
    });
    const good = batcher.submit('good', 2);
    const bad = batcher.submit('bad', 1);
    expect(batcher.busyKeys).toBe(2);
    await expect(good).resolves.toBe(4);
    await expect(bad).rejects.toThrow('database down');
  });
});

describe(`${KeyedBatcher.name} with several batches in flight`, () => {
  it('starts the next batch while one commits, never more than the limit', async () => {
    const batches: string[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const batcher = new KeyedBatcher<string, string, string>(
      2,
      async (_key, items) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        batches.push(items);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return items;
      },
      2,
    );
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((i) => batcher.submit('k', i)));
    expect(results).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(batches).toEqual([['a'], ['b'], ['c', 'd'], ['e', 'f']]);
    expect(maxInFlight).toBe(2);
    expect(batcher.isIdle('k')).toBe(true);
  });
});
