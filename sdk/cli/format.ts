/** How decoded messages are printed: JSON lines with exact decimals, or a live table. */
import { AuctionStatus, BidKind, formatMinor } from '../src/index';
import type { AuctionClosed, AuctionState, BidUpdate, Outbid, TickUpdate } from '../src/index';

const isoTime = (us: number) => (us > 0 ? new Date(us / 1000).toISOString() : null);
const enumName = (values: Record<string, number | string>, value: number, prefix: string) =>
  String(values[value] ?? value).replace(prefix, '');

export function tickLine(update: TickUpdate): Record<string, unknown> {
  const { tick, instrument } = update;
  const price = (v: number) => formatMinor(v, instrument.priceScale);
  const size = (v: number) => formatMinor(v, instrument.sizeScale);
  return {
    type: update.snapshot ? 'snapshot' : 'tick',
    symbol: update.symbol,
    seq: tick.seq,
    firstSeq: tick.firstSeq,
    bid: price(tick.bidPrice),
    ask: price(tick.askPrice),
    last: price(tick.lastPrice),
    bidSize: size(tick.bidSize),
    askSize: size(tick.askSize),
    time: isoTime(tick.timestampUs),
  };
}

export function auctionSnapshotLine(s: AuctionState): Record<string, unknown> {
  const money = (v: number) => formatMinor(v, s.priceScale);
  return {
    type: 'auction.snapshot',
    auctionId: s.auctionId,
    title: s.title,
    status: enumName(AuctionStatus, s.status, 'AUCTION_STATUS_'),
    currency: s.currency,
    startingPrice: money(s.startingPrice),
    currentPrice: money(s.currentPrice),
    nextMinimum: money(s.nextMinimum),
    nextMinimumMinor: s.nextMinimum, // what `bidtape bid --amount` takes
    leader: s.leader,
    bidCount: s.bidCount,
    seq: s.seq,
    reserveMet: s.reserveMet,
    startTime: isoTime(s.startTimeUs),
    endTime: isoTime(s.endTimeUs),
    winner: s.winner,
  };
}

export function bidLine(u: BidUpdate, priceScale: number): Record<string, unknown> {
  const money = (v: number) => formatMinor(v, priceScale);
  return {
    type: 'auction.bid',
    auctionId: u.auctionId,
    seq: u.seq,
    bidder: u.bidder,
    kind: enumName(BidKind, u.kind, 'BID_KIND_'),
    amount: money(u.amount),
    price: money(u.price),
    leader: u.leader,
    nextMinimum: money(u.nextMinimum),
    nextMinimumMinor: u.nextMinimum,
    reserveMet: u.reserveMet,
    endTime: isoTime(u.endTimeUs),
    time: isoTime(u.timeUs),
    extended: u.extended,
  };
}

export function closedLine(c: AuctionClosed, priceScale: number): Record<string, unknown> {
  return {
    type: 'auction.closed', auctionId: c.auctionId, winner: c.winner, price: formatMinor(c.price, priceScale), reserveMet: c.reserveMet,
    seq: c.seq, closedTime: isoTime(c.closedTimeUs),
  };
}

export function outbidLine(o: Outbid): Record<string, unknown> {
  return { type: 'outbid', auctionId: o.auctionId, price: o.price, nextMinimum: o.nextMinimum, seq: o.seq };
}

/** The symbols' latest prices, redrawn in place on a terminal. */
export class Table {
  private readonly rows = new Map<string, TickUpdate>();
  private readonly notes = new Map<string, string>();
  private drawn = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  tick(update: TickUpdate): void {
    this.rows.set(update.symbol, update);
    this.draw();
  }

  note(key: string, text: string): void {
    this.notes.set(key, text);
    this.draw();
  }

  private draw(): void {
    const cell = (text: string, width: number) => text.padStart(width);
    const lines = [`${'SYMBOL'.padEnd(10)}${cell('BID', 16)}${cell('ASK', 16)}${cell('LAST', 16)}${cell('SEQ', 10)}  UPDATED`];
    for (const [symbol, { tick, instrument }] of this.rows) {
      const price = (v: number) => cell(formatMinor(v, instrument.priceScale), 16);
      const time = new Date(tick.timestampUs / 1000).toISOString().slice(11, 23);
      lines.push(`${symbol.padEnd(10)}${price(tick.bidPrice)}${price(tick.askPrice)}${price(tick.lastPrice)}${cell(String(tick.seq), 10)}  ${time}`);
    }
    lines.push(...this.notes.values());
    if (this.out.isTTY) {
      // Move up over the previous drawing and overwrite it.
      this.out.write(`${this.drawn > 0 ? `\x1b[${this.drawn}F` : ''}${lines.map((l) => `${l}\x1b[K`).join('\n')}\n`);
      this.drawn = lines.length;
    } else {
      this.out.write(`${lines.join('\n')}\n\n`);
    }
  }
}
