import { replayPlan } from './recording';

const S = 1_000_000;

describe(replayPlan.name, () => {
  it.each<[string, number | 'max', number | null, number[], (number | null)[]]>([
    ['real time keeps the recorded gaps', 1, null, [10 * S, 10.5 * S, 12 * S], [0, 500, 2000]],
    ['10x divides them', 10, null, [10 * S, 10.5 * S, 12 * S], [0, 50, 200]],
    ['max publishes at once', 'max', null, [10 * S, 10.5 * S, 12 * S], [0, 0, 0]],
    ['a seek skips what came before and starts the clock at the first item after it', 1, 11 * S, [10 * S, 10.5 * S, 12 * S, 13 * S], [null, null, 0, 1000]],
    ['out-of-order receive times are due at once, never in the past', 1, null, [10 * S, 9 * S], [0, 0]],
  ])('%s', (_name, speed, from, received, due) => {
    const plan = replayPlan(speed, from);
    expect(received.map((r) => plan.dueAfterMs(r))).toEqual(due);
  });
});
