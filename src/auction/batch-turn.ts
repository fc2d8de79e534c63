/** A batch's place in line: when the batch before it holds its locks, and when it has answered. */
export class BatchTurn {
  readonly locked: () => void;
  readonly delivered: () => void;
  private readonly lockedSignal: Promise<void>;
  private readonly deliveredSignal: Promise<void>;
  readonly predecessorLocked: Promise<void>;
  readonly predecessorDelivered: Promise<void>;

  /** Without a predecessor (the first batch) nothing is waited for. */
  constructor(predecessor?: BatchTurn) {
    let locked!: () => void;
    let delivered!: () => void;
    this.lockedSignal = new Promise<void>((resolve) => (locked = resolve));
    this.deliveredSignal = new Promise<void>((resolve) => (delivered = resolve));
    this.locked = locked;
    this.delivered = delivered;
    this.predecessorLocked = predecessor?.lockedSignal ?? Promise.resolve();
    this.predecessorDelivered = predecessor?.deliveredSignal ?? Promise.resolve();
  }
}
