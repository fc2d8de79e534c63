import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** The close codes a fault may use: every one docs/protocol.md documents for the server to send. */
export const FAULT_CLOSE_CODES: ReadonlySet<number> = new Set([1001, 1011, 4000, 4001, 4003, 4008, 4029]);

export interface FaultSettings {
  seed: number;
  gapPerMille: number;
  delayPerMille: number;
  delayMs: number;
  burstPerMille: number;
  burstMs: number;
  closeAfterMs: number;
  closeCode: number;
  epochChangeAfterMs: number;
}

export type TickFault = { kind: 'deliver' } | { kind: 'drop' } | { kind: 'hold'; ms: number; burst: boolean };

/** Settings from the wire (0 means the default), or why they are not acceptable. */
export function faultSettings(raw: Partial<Record<keyof FaultSettings, number | null | undefined>>): FaultSettings | string {
  const n = (v: number | null | undefined) => Number(v ?? 0);
  const settings: FaultSettings = {
    seed: n(raw.seed),
    gapPerMille: n(raw.gapPerMille),
    delayPerMille: n(raw.delayPerMille),
    delayMs: n(raw.delayMs) || 200,
    burstPerMille: n(raw.burstPerMille),
    burstMs: n(raw.burstMs) || 2000,
    closeAfterMs: n(raw.closeAfterMs),
    closeCode: n(raw.closeCode) || 1011,
    epochChangeAfterMs: n(raw.epochChangeAfterMs),
  };
  if (settings.gapPerMille + settings.delayPerMille + settings.burstPerMille > 1000) return 'gap, delay and burst per mille add up to more than 1000';
  if (settings.delayMs > 10_000 || settings.burstMs > 10_000) return 'delay_ms and burst_ms are at most 10000';
  if (!FAULT_CLOSE_CODES.has(settings.closeCode)) return `close_code must be one of ${[...FAULT_CLOSE_CODES].join(', ')}`;
  return settings;
}

/**
 * Which fault hits each tick delivered to a connection: a seeded draw per tick, so the same
 * seed and settings give the same faults at the same positions of the tick stream.
 */
export class FaultPlan {
  private readonly rng: RandomGenerator;

  constructor(private readonly settings: FaultSettings) {
    this.rng = xoroshiro128plus(settings.seed);
  }

  next(): TickFault {
    const draw = uniformInt(this.rng, 0, 999);
    const { gapPerMille, delayPerMille, burstPerMille } = this.settings;
    if (draw < gapPerMille) return { kind: 'drop' };
    if (draw < gapPerMille + delayPerMille) return { kind: 'hold', ms: this.settings.delayMs, burst: false };
    if (draw < gapPerMille + delayPerMille + burstPerMille) return { kind: 'hold', ms: this.settings.burstMs, burst: true };
    return { kind: 'deliver' };
  }
}
