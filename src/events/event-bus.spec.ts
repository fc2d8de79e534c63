import { EventBus } from './event-bus';
import type { DomainEvents, EventName, RemoteEventSink } from './event-bus';

class RecordingSink implements RemoteEventSink {
  readonly forwarded: EventName[] = [];
  forward<K extends EventName>(name: K, _payload: DomainEvents[K]): void {
    this.forwarded.push(name);
  }
}

describe(EventBus.name, () => {
  it('delivers locally in emit order, synchronously', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('auction.opened', ({ auctionId }) => seen.push(auctionId));
    bus.emit('auction.opened', { auctionId: 'a' });
    bus.emit('auction.opened', { auctionId: 'b' });
    expect(seen).toEqual(['a', 'b']);
  });

  it('forwards cluster-scoped events to the remote sink, and only those', () => {
    const bus = new EventBus();
    const sink = new RecordingSink();
    bus.attachRemote(sink);
    bus.emit('auction.opened', { auctionId: 'a' });
    bus.emit('auth.key.revoked', { keyId: 'k' });
    bus.emit('feed.leadership', { active: true, epoch: 'e' });
    bus.emit('market.resynced', { epoch: 'e', epochChanged: false });
    expect(sink.forwarded).toEqual(['auction.opened', 'auth.key.revoked']);
  });

  it('never forwards an event received from another process again', () => {
    const bus = new EventBus();
    const sink = new RecordingSink();
    bus.attachRemote(sink);
    const seen: string[] = [];
    bus.on('auth.key.revoked', ({ keyId }) => seen.push(keyId));
    bus.receive('auth.key.revoked', { keyId: 'k' });
    expect(seen).toEqual(['k']);
    expect(sink.forwarded).toEqual([]);
  });

  it('stops delivering to a listener that unsubscribed', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.on('auction.opened', ({ auctionId }) => seen.push(auctionId));
    off();
    bus.emit('auction.opened', { auctionId: 'a' });
    expect(seen).toEqual([]);
  });
});
