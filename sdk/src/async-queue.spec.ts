import { AsyncQueue } from './async-queue';

interface Update {
  symbol: string;
  firstSeq: number;
  seq: number;
}

const conflating = (limit: number) =>
  new AsyncQueue<Update>({
    limit,
    key: (u) => u.symbol,
    merge: (older, newer) => ({ ...newer, firstSeq: Math.min(older.firstSeq, newer.firstSeq) }),
  });

async function drain<T>(queue: AsyncQueue<T>): Promise<T[]> {
  const out: T[] = [];
  while (queue.size > 0) out.push((await queue.next()).value as T);
  return out;
}

describe(AsyncQueue.name, () => {
  it('hands items to a waiting consumer at once, in order', async () => {
    const queue = new AsyncQueue<number>();
    const first = queue.next();
    queue.push(1);
    queue.push(2);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
  });

  it('keeps every item without a conflation policy', async () => {
    const queue = new AsyncQueue<number>();
    for (let i = 0; i < 5000; i++) queue.push(i);
    expect(queue.size).toBe(5000);
    expect((await drain(queue)).at(-1)).toBe(4999);
  });

  it.each([
    // limit, pushes (symbol:seq), what is left
    [4, ['A:1', 'B:1', 'A:2', 'B:2'], ['A 1..1', 'B 1..1', 'A 2..2', 'B 2..2']], // at the limit: untouched
    [4, ['A:1', 'B:1', 'A:2', 'B:2', 'A:3'], ['A 1..3', 'B 1..2']], // over: one per symbol, ranges merged
    [3, ['A:1', 'A:2', 'A:3', 'A:4', 'B:1'], ['A 1..4', 'B 1..1']], // first position of a symbol kept
    [2, ['A:1', 'B:1', 'C:1', 'A:2'], ['A 1..2', 'B 1..1', 'C 1..1']], // more symbols than the limit: one each
  ])('limit %i, pushes %j: conflates to %j', async (limit, pushes, expected) => {
    const queue = conflating(limit);
    for (const p of pushes) {
      const [symbol, seq] = p.split(':');
      queue.push({ symbol, firstSeq: Number(seq), seq: Number(seq) });
    }
    const left = await drain(queue);
    expect(left.map((u) => `${u.symbol} ${u.firstSeq}..${u.seq}`)).toEqual(expected);
    expect(queue.conflated).toBe(pushes.length - expected.length);
  });

  it('stays bounded by its limit however far behind the consumer is', () => {
    const queue = conflating(10);
    let largest = 0;
    for (let i = 1; i <= 100_000; i++) {
      queue.push({ symbol: `S${i % 7}`, firstSeq: i, seq: i });
      largest = Math.max(largest, queue.size);
    }
    expect(largest).toBeLessThanOrEqual(10);
  });

  it('ends after what is buffered; a failure is thrown after it, once', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.fail(new Error('gone'));
    queue.push(2); // ignored: the queue has ended
    expect(await queue.next()).toEqual({ value: 1, done: false });
    await expect(queue.next()).rejects.toThrow('gone');
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('wakes a waiting consumer when it ends', async () => {
    const queue = new AsyncQueue<number>();
    const waiting = queue.next();
    queue.end();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('calls onReturn once when the consumer leaves a for-await loop early', async () => {
    const onReturn = jest.fn();
    const queue = new AsyncQueue<number>(undefined, onReturn);
    queue.push(1);
    queue.push(2);
    for await (const item of queue) if (item === 1) break;
    expect(onReturn).toHaveBeenCalledTimes(1);
    expect(queue.done).toBe(true);
    await queue.return();
    expect(onReturn).toHaveBeenCalledTimes(1);
  });
});
