import { FaultPlan, faultSettings } from './fault-plan';
import type { FaultSettings } from './fault-plan';

const settings = (s: Partial<FaultSettings> = {}) => faultSettings({ seed: 7, gapPerMille: 50, delayPerMille: 20, burstPerMille: 10, ...s }) as FaultSettings;
const draws = (plan: FaultPlan, n: number) => Array.from({ length: n }, () => plan.next().kind);

describe(FaultPlan.name, () => {
  it('gives the same faults at the same positions for the same seed', () => {
    expect(draws(new FaultPlan(settings()), 2000)).toEqual(draws(new FaultPlan(settings()), 2000));
    expect(draws(new FaultPlan(settings({ seed: 8 })), 2000)).not.toEqual(draws(new FaultPlan(settings()), 2000));
  });

  it('hits about the asked share of ticks with each fault', () => {
    const kinds = draws(new FaultPlan(settings()), 20_000);
    const share = (k: string) => kinds.filter((x) => x === k).length / kinds.length;
    expect(share('drop')).toBeCloseTo(0.05, 1);
    expect(share('hold')).toBeCloseTo(0.03, 1);
  });

  it('never faults with zero rates', () => {
    expect(new Set(draws(new FaultPlan(settings({ gapPerMille: 0, delayPerMille: 0, burstPerMille: 0 })), 1000))).toEqual(new Set(['deliver']));
  });
});

describe(faultSettings.name, () => {
  it.each([
    [{ gapPerMille: 600, delayPerMille: 500 }, 'add up to more than 1000'],
    [{ delayMs: 20_000 }, 'at most 10000'],
    [{ closeCode: 1000 }, 'close_code must be one of'],
    [{ closeCode: 4999 }, 'close_code must be one of'],
  ])('refuses %j', (raw, problem) => {
    expect(faultSettings(raw)).toContain(problem);
  });

  it('fills the defaults', () => {
    expect(faultSettings({})).toMatchObject({ delayMs: 200, burstMs: 2000, closeCode: 1011, closeAfterMs: 0 });
  });
});
