import { FaultPlan } from './fault-plan';
import type { FaultSettings } from './fault-plan';

/** What the injector does to its connection, supplied by the connection and the faults service. */
export interface FaultTarget {
  /** Writes a frame past the injector. */
  write(frame: Buffer): void;
  close(code: number, reason: string): void;
  /** Sends the fault's epoch change: an unsolicited snapshot under a new epoch. */
  changeEpoch(): void;
}

/**
 * The faults of one connection (InjectFaults): each tick frame it is sent is delivered,
 * dropped (a gap), or starts a hold (a delay, or a burst once released) during which every frame
 * waits, in order; timers close the connection or change its epoch. Only this connection's
 * stream is touched: frames are shared, the injector only decides whether and when to write.
 */
export class FaultInjector {
  private readonly plan: FaultPlan;
  private held: Buffer[] | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  dropped = 0;
  holds = 0;

  constructor(
    settings: FaultSettings,
    private readonly target: FaultTarget,
  ) {
    this.plan = new FaultPlan(settings);
    if (settings.closeAfterMs > 0) this.after(settings.closeAfterMs, () => target.close(settings.closeCode, 'fault injection: forced close'));
    if (settings.epochChangeAfterMs > 0) this.after(settings.epochChangeAfterMs, () => target.changeEpoch());
  }

  /** Takes a frame the connection is about to write; true when the injector dropped or holds it. */
  intercept(frame: Buffer, isTick: boolean): boolean {
    if (isTick) {
      const fault = this.plan.next();
      if (fault.kind === 'drop') {
        this.dropped++;
        return true;
      }
      if (fault.kind === 'hold' && !this.held) {
        this.held = [];
        this.holds++;
        this.after(fault.ms, () => this.release());
      }
    }
    if (!this.held) return false;
    this.held.push(frame);
    return true;
  }

  dispose(): void {
    this.timers.forEach(clearTimeout);
    this.held = null;
  }

  private release(): void {
    const frames = this.held ?? [];
    this.held = null;
    for (const frame of frames) this.target.write(frame);
  }

  private after(ms: number, work: () => void): void {
    const timer = setTimeout(work, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
