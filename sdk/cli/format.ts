/** How the commands print: JSON objects with exact decimals and enum names, lines and tables for people. */
import { AuctionStatus, BidKind, ErrorCode, formatMinor, OutbidReason } from '../src/index';
import type { AuctionClosed, AuctionState, BidResult, BidUpdate, Outbid, TickUpdate } from '../src/index';

const isoTime = (us: number) => (us > 0 ? new Date(us / 1000).toISOString() : null);
/** An enum value by its name without the prefix: (BidKind, 1, 'BID_KIND_') → "BID". */
export const enumName = (values: Record<string, number | string>, value: number, prefix: string) =>
  String(values[value] ?? value).replace(prefix, '');
export const errorCodeName = (code: number) => enumName(ErrorCode, code, 'ERROR_CODE_');

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

/** Decimals need the auction's scale: known for the watched auction, not for others the bidder bid on. */
export function outbidLine(o: Outbid, priceScale: number | null): Record<string, unknown> {
  const decimals = priceScale === null ? {} : { price: formatMinor(o.price, priceScale), nextMinimum: formatMinor(o.nextMinimum, priceScale) };
  return {
    type: 'outbid', auctionId: o.auctionId, reason: enumName(OutbidReason, o.reason, 'OUTBID_REASON_'), ...decimals,
    priceMinor: o.price, nextMinimumMinor: o.nextMinimum, seq: o.seq,
  };
}

/** `bid --json`: the outcome with amounts in the auction's currency and their minor units. */
export function bidOutcomeJson(result: BidResult, auction: AuctionState, amountMinor: number): Record<string, unknown> {
  const money = (v: number) => formatMinor(v, auction.priceScale);
  const common = { auctionId: result.auctionId, clientBidId: result.clientBidId, currency: auction.currency, amount: money(amountMinor), amountMinor };
  switch (result.status) {
    case 'accepted':
      return {
        status: 'accepted', ...common, seq: result.seq, price: money(result.price), priceMinor: result.price, leading: result.leading,
        nextMinimum: money(result.nextMinimum), nextMinimumMinor: result.nextMinimum, endTime: isoTime(result.endTimeUs), duplicate: result.duplicate,
      };
    case 'rejected':
      return {
        status: 'rejected', ...common, reason: result.reasonName, message: result.message, nextMinimum: money(result.nextMinimum),
        nextMinimumMinor: result.nextMinimum, retryable: result.retryable, duplicate: result.duplicate,
      };
    case 'failed':
      return {
        status: 'failed', ...common, error: result.error.code, ...(result.error.serverCode === undefined ? {} : { serverCode: errorCodeName(result.error.serverCode) }),
        message: result.error.message, outcomeUnknown: result.outcomeUnknown,
      };
  }
}

/** `bid`: the outcome as one line for people (failures are messages, on stderr: see bid.ts). */
export function bidOutcomeText(result: BidResult, auction: AuctionState): string {
  const money = (v: number) => `${formatMinor(v, auction.priceScale)} ${auction.currency}`;
  const resent = 'duplicate' in result && result.duplicate ? ' (the original answer to this client bid id)' : '';
  switch (result.status) {
    case 'accepted':
      return result.leading
        ? `accepted: bid #${result.seq} leads at ${money(result.price)}; next minimum ${money(result.nextMinimum)}${resent}`
        : `accepted: bid #${result.seq}, but an earlier proxy maximum is higher: the price is ${money(result.price)}; next minimum ${money(result.nextMinimum)}${resent}`;
    case 'rejected':
      return `rejected ${result.reasonName}: ${result.message}${result.nextMinimum > 0 ? `; next valid bid ${money(result.nextMinimum)}` : ''}${resent}`;
    case 'failed':
      return result.outcomeUnknown
        ? `${result.error.message}. Rerun with --client-bid-id ${result.clientBidId} to learn it`
        : `the server refused the bid (${result.error.serverCode === undefined ? result.error.code : errorCodeName(result.error.serverCode)}): ${result.error.message}`;
  }
}

/** Rows as left-aligned columns, two spaces apart; the first row is the header. */
export function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
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
