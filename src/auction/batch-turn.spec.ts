import { BatchTurn } from './batch-turn';

const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe(BatchTurn.name, () => {
  it('lets a batch lock only after the one before it locked, and answer only after it answered', async () => {
    const first = new BatchTurn();
    const second = new BatchTurn(first);
    expect(await settled(first.predecessorLocked)).toBe(true);
    expect(await settled(second.predecessorLocked)).toBe(false);
    first.locked();
    expect(await settled(second.predecessorLocked)).toBe(true);
    expect(await settled(second.predecessorDelivered)).toBe(false);
    first.delivered();
    expect(await settled(second.predecessorDelivered)).toBe(true);
  });

  it('says without waiting whether a batch may lock now', () => {
    const first = new BatchTurn();
    const second = new BatchTurn(first);
    expect(first.mayLock).toBe(true);
    expect(second.mayLock).toBe(false);
    first.locked();
    expect(second.mayLock).toBe(true);
  });

  it('does not hold a chain of earlier turns', () => {
    const first = new BatchTurn();
    const second = new BatchTurn(first);
    expect(Object.values(second)).not.toContain(first);
  });
});
