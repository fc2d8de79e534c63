import type { BidtapeError } from './errors';
import type { AuctionClosed, AuctionSnapshot, BidUpdate } from './messages';
import { decoded, pb } from './messages';
import { AuctionWatch } from './subscriptions';
import type { Wire } from './wire';

/**
 * Auction watches on the client side: their subscribe requests, re-sent after a reconnect with
 * `fromSeq` = the last seq each watch delivered, so history resumes without loss.
 */
export class AuctionFeed {
  private readonly watches = new Map<string, AuctionWatch>();
  private readonly rounds = new Map<number, { watch: AuctionWatch; done: () => void }>();
  /** Price scales of the auctions snapshots have shown, for decimal amounts in bids. */
  private readonly scales = new Map<string, number>();

  constructor(private readonly wire: Wire) {}

  watch(auctionId: string, fromSeq: number | null, connected: boolean): AuctionWatch {
    this.watches.get(auctionId)?.stop();
    const watch = new AuctionWatch(auctionId, fromSeq, (w) => this.drop(w));
    this.watches.set(auctionId, watch);
    if (connected) void this.send(watch);
    return watch;
  }

  /** On a new connection: watch everything again; resolves once every snapshot arrived. */
  resubscribe(): Promise<void> {
    return Promise.all([...this.watches.values()].map((w) => this.send(w))).then(() => undefined);
  }

  disconnected(): void {
    this.rounds.clear();
  }

  close(error: BidtapeError | null): void {
    for (const w of this.watches.values()) {
      if (error) w.fail(error);
      else w.finish();
    }
    this.watches.clear();
    this.rounds.clear();
  }

  onSnapshot(snapshot: AuctionSnapshot): void {
    const round = this.rounds.get(snapshot.requestId);
    this.rounds.delete(snapshot.requestId);
    const state = decoded(pb.AuctionState, snapshot.state);
    this.scales.set(state.auctionId, state.priceScale);
    const watch = this.watches.get(state.auctionId);
    if (watch && (!round || round.watch === watch)) watch.onSnapshot(state);
    round?.done();
  }

  priceScaleOf(auctionId: string): number | null {
    return this.scales.get(auctionId) ?? null;
  }

  onBid(update: BidUpdate): void {
    this.watches.get(update.auctionId)?.onBid(update);
  }

  onClosed(closed: AuctionClosed): void {
    this.watches.get(closed.auctionId)?.onClosed(closed);
  }

  /** An `Error` answering one of our watch requests (unknown auction…) fails that watch. */
  onError(requestId: number, error: BidtapeError): boolean {
    const round = this.rounds.get(requestId);
    if (!round) return false;
    round.watch.fail(error);
    this.drop(round.watch);
    round.done();
    return true;
  }

  private send(watch: AuctionWatch): Promise<void> {
    const id = this.wire.newId();
    const fromSeq = watch.lastSeq;
    const request = fromSeq === null ? { auctionId: watch.auctionId } : { auctionId: watch.auctionId, fromSeq };
    return new Promise<void>((done) => {
      this.rounds.set(id, { watch, done });
      if (!this.wire.write({ id, subscribeAuction: request })) this.rounds.delete(id);
    });
  }

  private drop(watch: AuctionWatch): void {
    if (this.watches.get(watch.auctionId) !== watch) return;
    this.watches.delete(watch.auctionId);
    for (const [id, round] of this.rounds) if (round.watch === watch) this.rounds.delete(id);
    this.wire.write({ id: this.wire.newId(), unsubscribeAuction: { auctionId: watch.auctionId } });
  }
}
