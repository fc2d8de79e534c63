import { GroupCommitQueue } from './bid-batcher';
import type { BatchControl } from './bid-batcher';

/** An item is "key:name"; its key is the part before the colon. */
const keyOf = (item: string) => item.split(':')[0];

/** A process callback whose batches end (and hand off) only when the test says so. */
function controlledBatches() {
  const running: { items: string[]; control: BatchControl; finish: () => void; fail: (e: Error) => void }[] = [];
  const started: string[][] = [];
  const process = (items: string[], control: BatchControl) =>
    new Promise<string[]>((resolve, reject) => {
      started.push(items);
      running.push({ items, control, finish: () => resolve(items.map((i) => `done ${i}`)), fail: reject });
    });
  return { running, started, process };
}

const turn = () => new Promise((r) => setImmediate(r));

describe(GroupCommitQueue.name, () => {
  it('commits what arrives during a commit as the next batch, in order, one batch at a time', async () => {
    const batches: string[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const queue = new GroupCommitQueue<string, string>({ maxBatch: 3, maxInFlight: 1, keyOf }, async (items, control) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      batches.push(items);
      control.handOff(); // with one in flight, handing off starts nothing
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return items.map((i) => `done ${i}`);
    });
    const results = await Promise.all(['a:1', 'b:2', 'c:3', 'd:4', 'e:5'].map((i) => queue.submit(i)));
    expect(results).toEqual(['done a:1', 'done b:2', 'done c:3', 'done d:4', 'done e:5']);
    expect(batches).toEqual([['a:1'], ['b:2', 'c:3', 'd:4'], ['e:5']]); // the first starts at once; max batch 3
    expect(maxInFlight).toBe(1);
    expect(queue.idle).toBe(true);
  });

  it('starts the next batch before the one before hands out its results', async () => {
    const events: string[] = [];
    const { running, process } = controlledBatches();
    const queue = new GroupCommitQueue<string, string>({ maxBatch: 10, maxInFlight: 1, keyOf }, (items, control) => {
      events.push(`start ${items.join(',')}`);
      return process(items, control);
    });
    const first = queue.submit('a:1').then(() => events.push('answered a:1'));
    const second = queue.submit('a:2').then(() => events.push('answered a:2'));
    running[0].finish();
    await turn();
    running[1].finish();
    await Promise.all([first, second]);
    expect(events).toEqual(['start a:1', 'start a:2', 'answered a:1', 'answered a:2']);
  });

  it('fails only the failing batch', async () => {
    const { running, process } = controlledBatches();
    const queue = new GroupCommitQueue<string, string>({ maxBatch: 10, maxInFlight: 1, keyOf }, process);
    const bad = queue.submit('a:1');
    const good = queue.submit('b:1');
    running[0].fail(new Error('database down'));
    await expect(bad).rejects.toThrow('database down');
    running[1].finish();
    await expect(good).resolves.toBe('done b:1');
    expect(queue.idle).toBe(true);
  });
});

describe(`${GroupCommitQueue.name} with several batches in flight`, () => {
  it('starts the next batch only when the running one hands off, so it has gathered meanwhile', async () => {
    const { running, started, process } = controlledBatches();
    const queue = new GroupCommitQueue<string, string>({ maxBatch: 10, maxInFlight: 2, keyOf }, process);
    const answers = ['a:1', 'b:1', 'c:1', 'd:1'].map((i) => queue.submit(i));
    expect(started).toEqual([['a:1']]); // b, c, d gather while a's batch works
    running[0].control.handOff();
    expect(started).toEqual([['a:1'], ['b:1', 'c:1', 'd:1']]);
    const late = queue.submit('e:1');
    running[1].control.handOff();
    expect(started).toHaveLength(2); // two in flight already: e waits for one to end
    running[0].finish();
    await turn();
    expect(started[2]).toEqual(['e:1']);
    running[1].finish();
    running[2].finish();
    await expect(Promise.all([...answers, late])).resolves.toEqual(['done a:1', 'done b:1', 'done c:1', 'done d:1', 'done e:1']);
    expect(queue.idle).toBe(true);
  });

  it("keeps an item whose key a running batch holds for after that batch, in order, and lets other keys go ahead", async () => {
    const { running, started, process } = controlledBatches();
    const queue = new GroupCommitQueue<string, string>({ maxBatch: 10, maxInFlight: 2, keyOf }, process);
    const answers = ['a:1', 'a:2', 'b:1', 'a:3', 'c:1'].map((i) => queue.submit(i));
    running[0].control.handOff();
    expect(started).toEqual([['a:1'], ['b:1', 'c:1']]); // a:2 and a:3 wait for a:1's batch
    running[1].control.handOff();
    expect(started).toHaveLength(2);
    running[1].finish(); // b and c end first: a is still held
    await turn();
    expect(started).toHaveLength(2);
    running[0].finish();
    await turn();
    expect(started[2]).toEqual(['a:2', 'a:3']);
    running[2].finish();
    await expect(Promise.all(answers)).resolves.toEqual(['done a:1', 'done a:2', 'done b:1', 'done a:3', 'done c:1']);
  });

  it('starts nothing new when every queued item waits for a held key, and the holder ending starts it', async () => {
    const { running, started, process } = controlledBatches();
    const queue = new GroupCommitQueue<string, string>({ maxBatch: 10, maxInFlight: 2, keyOf }, process);
    const answers = ['hot:1', 'hot:2', 'hot:3'].map((i) => queue.submit(i));
    running[0].control.handOff();
    expect(started).toEqual([['hot:1']]);
    running[0].finish();
    await turn();
    expect(started).toEqual([['hot:1'], ['hot:2', 'hot:3']]);
    running[1].finish();
    await expect(Promise.all(answers)).resolves.toEqual(['done hot:1', 'done hot:2', 'done hot:3']);
    expect(queue.idle).toBe(true);
  });

  it('never runs more than maxBatch items in a batch when taking around held keys', async () => {
    const { running, started, process } = controlledBatches();
    const queue = new GroupCommitQueue<string, string>({ maxBatch: 2, maxInFlight: 2, keyOf }, process);
    void queue.submit('a:1');
    for (const i of ['a:2', 'b:1', 'c:1', 'd:1']) void queue.submit(i);
    running[0].control.handOff();
    expect(started[1]).toEqual(['b:1', 'c:1']);
    for (const r of running) r.finish();
    await turn();
    expect(started[2]).toEqual(['a:2', 'd:1']);
    for (const r of running) r.finish();
  });
});
