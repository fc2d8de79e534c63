/** A batch's place in line: when the batch before it holds its locks, and when it has answered. */
export class BatchTurn {
  readonly locked: () => void;
  readonly delivered: () => void;
  private readonly lockedSignal: Promise<void>;
  private readonly deliveredSignal: Promise<void>;
  private readonly state = { locked: false };
  private readonly predecessorState?: { readonly locked: boolean };
  readonly predecessorLocked: Promise<void>;
  readonly predecessorDelivered: Promise<void>;

  /** Without a predecessor (the first batch) nothing is waited for. */
  constructor(predecessor?: BatchTurn) {
    let locked!: () => void;
    let delivered!: () => void;
    this.lockedSignal = new Promise<void>((resolve) => (locked = resolve));
    this.deliveredSignal = new Promise<void>((resolve) => (delivered = resolve));
    this.locked = () => {
      this.state.locked = true;
      locked();
    };
    this.delivered = delivered;
    this.predecessorState = predecessor?.state;
    this.predecessorLocked = predecessor?.lockedSignal ?? Promise.resolve();
    this.predecessorDelivered = predecessor?.deliveredSignal ?? Promise.resolve();
  }

  /**
   * Whether the batch before already holds its locks (or there is none): then a batch can ask
   * for its own at once, without yielding to the microtasks queued before it.
   */
  get mayLock(): boolean {
    return this.predecessorState?.locked ?? true;
  }
}
