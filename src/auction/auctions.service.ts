import { Injectable } from '@nestjs/common';
import { AuctionError, AuctionErrorCode } from './auction-errors';
import { AuctionRepository } from './auction.repository';
import type { HistoryRow } from './auction.repository';
import type { LockedAuction } from './auction.types';
import { Clock } from './clock';
import { meetsReserve, minimumNextBid, reserveMet, settle, statusAt } from './domain/auction-rules';
import { isUuid } from './domain/ids';
import { DEFAULT_INCREMENTS, validateIncrementTable } from './domain/increments';
import type { CreateAuctionDto } from './dto/create-auction.dto';

/** What anyone may see of an auction: never the reserve price or proxy maxima. */
export interface AuctionView {
  id: string;
  title: string;
  currency: string;
  priceScale: number;
  status: 'scheduled' | 'open' | 'closed';
  startingPrice: number;
  currentPrice: number;
  leader: string | null;
  bidCount: number;
  lastSeq: number;
  nextMinimum: number;
  hasReserve: boolean;
  reserveMet: boolean;
  startAt: string;
  endAt: string;
  scheduledEndAt: string;
  softCloseWindowSeconds: number;
  softCloseExtensionSeconds: number;
  winner: string | null;
}

export interface BidView {
  seq: number;
  bidder: string;
  kind: 'bid' | 'proxy';
  amount: number;
  price: number;
  leader: string;
  nextMinimum: number;
  reserveMet: boolean;
  extended: boolean;
  endAt: string;
  receivedAt: string;
}

@Injectable()
export class AuctionsService {
  constructor(
    private readonly repository: AuctionRepository,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateAuctionDto): Promise<AuctionView> {
    const increments = dto.increments?.map((b) => ({ upTo: b.upTo ?? null, increment: b.increment })) ?? DEFAULT_INCREMENTS;
    const invalid = validateIncrementTable(increments);
    if (invalid) throw new AuctionError(AuctionErrorCode.InvalidIncrements, `increments: ${invalid}`);
    const now = this.clock.now();
    const startAt = dto.startAt ? Date.parse(dto.startAt) : now;
    const endAt = Date.parse(dto.endAt);
    if (!(endAt > startAt)) throw new AuctionError(AuctionErrorCode.InvalidSchedule, 'endAt must be after startAt');
    if (dto.reservePrice !== undefined && dto.reservePrice < dto.startingPrice) {
      throw new AuctionError(AuctionErrorCode.InvalidReserve, 'reservePrice must be at least startingPrice');
    }
    const seller = dto.sellerHandle ? await this.repository.ensureBidder(dto.sellerHandle) : null;
    const id = await this.repository.createAuction({
      title: dto.title,
      description: dto.description ?? '',
      sellerId: seller?.id ?? null,
      currency: dto.currency,
      priceScale: dto.priceScale ?? 2,
      startingPrice: dto.startingPrice,
      reservePrice: dto.reservePrice ?? null,
      increments,
      startAt,
      endAt,
      softCloseWindowMs: (dto.softCloseWindowSeconds ?? 60) * 1000,
      softCloseExtensionMs: (dto.softCloseExtensionSeconds ?? 60) * 1000,
    }, now);
    return this.get(id);
  }

  async list(status: AuctionView['status'] | undefined, limit = 50, offset = 0, sellerHandle?: string): Promise<AuctionView[]> {
    const now = this.clock.now();
    return (await this.repository.listAuctions(status, now, limit, offset, sellerHandle)).map((a) => toView(a, now));
  }

  async get(id: string): Promise<AuctionView> {
    const auction = await this.find(id);
    if (!auction) throw new AuctionError(AuctionErrorCode.AuctionNotFound, `no auction ${id}`);
    return toView(auction, this.clock.now());
  }

  async find(id: string): Promise<LockedAuction | null> {
    return isUuid(id) ? this.repository.findAuction(id) : null;
  }

  async history(id: string, afterSeq = 0, limit = 100): Promise<{ bids: BidView[]; nextAfterSeq: number | null }> {
    await this.get(id);
    const rows = await this.repository.bidHistory(id, afterSeq, limit);
    return { bids: rows.map(toBidView), nextAfterSeq: rows.length === limit ? rows[rows.length - 1].seq : null };
  }
}

/** The public view of an auction at `now` (the auction clock's time). */
export function toView(a: LockedAuction, now: number): AuctionView {
  const status = a.state === 'closed' ? 'closed' : statusAt(a.terms, a.book, now);
  return {
    id: a.id,
    title: a.title,
    currency: a.currency,
    priceScale: a.priceScale,
    status,
    startingPrice: a.terms.startingPrice,
    currentPrice: a.book.currentPrice,
    leader: a.leaderPseudonym,
    bidCount: a.book.bidCount,
    lastSeq: a.lastSeq,
    nextMinimum: minimumNextBid(a.terms, a.book),
    hasReserve: a.terms.reservePrice !== null,
    reserveMet: reserveMet(a.terms, a.book),
    startAt: new Date(a.terms.startAt).toISOString(),
    endAt: new Date(a.book.endAt).toISOString(),
    scheduledEndAt: new Date(a.terms.endAt).toISOString(),
    softCloseWindowSeconds: a.terms.softCloseWindowMs / 1000,
    softCloseExtensionSeconds: a.terms.softCloseExtensionMs / 1000,
    winner: status === 'closed' ? winnerOf(a) : null,
  };
}

/**
 * The winner of an ended auction. Past its end time no bid is accepted, so the result is known
 * (by the same rule the close applies) even in the moment before the close is stored.
 */
function winnerOf(a: LockedAuction): string | null {
  if (a.state === 'closed') return a.winnerPseudonym;
  return settle(a.terms, a.book).winnerId === null ? null : a.leaderPseudonym;
}

export function toBidView(r: HistoryRow): BidView {
  return {
    seq: r.seq,
    bidder: r.bidderPseudonym,
    kind: r.kind,
    amount: r.amount,
    price: r.price,
    leader: r.leaderPseudonym,
    nextMinimum: r.nextMinimum,
    reserveMet: meetsReserve(r.reservePrice, r.price),
    extended: r.extended,
    endAt: new Date(r.endAt).toISOString(),
    receivedAt: new Date(r.receivedAt).toISOString(),
  };
}
