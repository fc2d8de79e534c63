import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { AppConfig } from '../config/app-config';
import { booleanArray, integerArray, textArray } from '../database/pg-arrays';
import { PipelinedPool } from '../database/pipelined-pool';
import type { PipelinedTransaction } from '../database/pipelined-pool';
import type { IncrementBand } from './domain/increments';
import type { BidderIdentity, LockedAuction } from './auction.types';
import type { AuctionStatus } from './domain/auction-rules';
import type { BidRow, DecisionRow, StoredAnswer } from './domain/batch-plan';

/** A timestamp as integer ms since the epoch: cheaper to read than a Date, and what the rules use. */
function epochMs(column: string): string {
  return `(extract(epoch FROM ${column}) * 1000)::bigint`;
}

/** What changes as an auction is bid on and closed. */
const BOOK_COLUMNS = `
  a.id, a.state, ${epochMs('a.end_at')} AS end_at, a.current_price, a.leader_id, a.leader_max, a.bid_count, a.last_seq,
  a.reserve_met, ${epochMs('a.closed_at')} AS closed_at, l.pseudonym AS leader_pseudonym, w.pseudonym AS winner_pseudonym`;

const AUCTION_COLUMNS = `${BOOK_COLUMNS},
  a.title, a.currency, a.price_scale, a.seller_id, a.starting_price, a.reserve_price, a.increments,
  ${epochMs('a.start_at')} AS start_at, ${epochMs('a.scheduled_end_at')} AS scheduled_end_at,
  a.soft_close_window_ms, a.soft_close_extension_ms`;

/** Auctions whose unchanging facts this process keeps (the oldest is forgotten first). */
const KNOWN_AUCTIONS = 20_000;

/**
 * Every statement of the bidding hot path, in one place. A batch of bids (for any auctions)
 * is one transaction: lock the auction rows (the arbiter between app processes), look up
 * earlier answers, then write the decided bids, every decision and the books at once. The
 * transactions run on their own pipelining connections (see PipelinedPool), the rest on TypeORM's.
 */
@Injectable()
export class AuctionRepository implements OnModuleDestroy {
  private readonly logger = new Logger(AuctionRepository.name);
  private readonly bidPool: PipelinedPool;
  /**
   * Title, seller and terms of the auctions this process has locked: nothing changes them after
   * creation, so a batch's lock reads only the books of auctions it already knows (the other
   * columns were most of the lock's cost: 2.97 against 0.83 ms for 96 rows).
   */
  private readonly known = new Map<string, AuctionFacts>();

  constructor(
    private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    const { url } = dataSource.options as PostgresConnectionOptions;
    if (!url) throw new Error('the bidding pool needs the database URL of the data source');
    // One connection per bid batch in flight, and one for closing auctions meanwhile.
    const size = config.env.BID_BATCHES_IN_FLIGHT + 1;
    this.bidPool = new PipelinedPool(url, size, (error) => this.logger.warn(`a bidding connection failed: ${error.message}`));
  }

  async onModuleDestroy(): Promise<void> {
    await this.bidPool.end();
  }

  transaction<T>(work: (tx: PipelinedTransaction) => Promise<T>): Promise<T> {
    return this.bidPool.transaction(work);
  }

  async lockAuction(tx: PipelinedTransaction, id: string): Promise<LockedAuction | null> {
    const rows = await tx.query<AuctionDbRow>({
      name: 'lock-auction',
      text: `SELECT ${AUCTION_COLUMNS} FROM auctions a
         LEFT JOIN bidders l ON l.id = a.leader_id LEFT JOIN bidders w ON w.id = a.winner_id
        WHERE a.id = $1 FOR UPDATE OF a`,
      values: [id],
    });
    return rows[0] ? toLockedAuction(rows[0]) : null;
  }

  /**
   * Locks several auction rows for one batch, always in id order so that concurrent batches
   * (other app processes) wait for each other instead of deadlocking.
   */
  async lockAuctions(tx: PipelinedTransaction, ids: string[]): Promise<Map<string, LockedAuction>> {
    // Of auctions this process already knows, only the books are read.
    const booksOnly = ids.every((id) => this.known.has(id));
    const rows = await tx.query<BookDbRow>({
      name: booksOnly ? 'lock-auction-books' : 'lock-auctions',
      text: `SELECT ${booksOnly ? BOOK_COLUMNS : AUCTION_COLUMNS} FROM auctions a
         LEFT JOIN bidders l ON l.id = a.leader_id LEFT JOIN bidders w ON w.id = a.winner_id
        WHERE a.id = ANY($1::uuid[]) ORDER BY a.id FOR UPDATE OF a`,
      values: [textArray([...ids].sort())],
    });
    const locked = new Map<string, LockedAuction>();
    for (const r of rows) {
      const auction = booksOnly ? withBook(this.known.get(r.id)!, r) : toLockedAuction(r as AuctionDbRow);
      if (!booksOnly) this.remember(auction);
      locked.set(r.id, auction);
    }
    return locked;
  }

  private remember(auction: LockedAuction): void {
    if (this.known.has(auction.id)) return;
    if (this.known.size >= KNOWN_AUCTIONS) this.known.delete(this.known.keys().next().value!);
    const { id, title, currency, priceScale, sellerId, terms } = auction;
    this.known.set(id, { id, title, currency, priceScale, sellerId, terms });
  }

  async findAuction(id: string): Promise<LockedAuction | null> {
    const rows = await this.dataSource.query<AuctionDbRow[]>(
      `SELECT ${AUCTION_COLUMNS} FROM auctions a
         LEFT JOIN bidders l ON l.id = a.leader_id LEFT JOIN bidders w ON w.id = a.winner_id
        WHERE a.id = $1`,
      [id],
    );
    return rows[0] ? toLockedAuction(rows[0]) : null;
  }

  async findAnswers(tx: PipelinedTransaction, keys: { bidderId: string; clientBidId: string }[]): Promise<StoredAnswer[]> {
    if (keys.length === 0) return [];
    const rows = await tx.query<Record<string, unknown>>({
      name: 'find-answers',
      // One primary-key probe per key (LIMIT keeps the planner from flattening the LATERAL):
      // as a plain join it hashed the whole table, 6 ms a batch at 17,000 decisions.
      text: `SELECT d.bidder_id, d.client_bid_id, d.auction_id, d.amount, d.max_amount, d.accepted, d.seq, d.reason, d.next_minimum,
              b.price_after, b.leads, ${epochMs('b.end_at_after')} AS end_at_after
         FROM unnest($1::uuid[], $2::text[]) AS k(bidder_id, client_bid_id)
         CROSS JOIN LATERAL (SELECT * FROM bid_decisions x WHERE x.bidder_id = k.bidder_id AND x.client_bid_id = k.client_bid_id LIMIT 1) d
         LEFT JOIN bids b ON d.accepted AND b.auction_id = d.auction_id AND b.seq = d.seq`,
      values: [textArray(keys.map((k) => k.bidderId)), textArray(keys.map((k) => k.clientBidId))],
    });
    return rows.map((r): StoredAnswer => {
      const bidderId = String(r.bidder_id);
      const clientBidId = String(r.client_bid_id);
      const auctionId = String(r.auction_id);
      const amount = int(r.amount);
      const maxAmount = r.max_amount === null ? null : int(r.max_amount);
      const nextMinimum = int(r.next_minimum);
      return r.accepted
        ? { bidderId, clientBidId, auctionId, amount, maxAmount, nextMinimum, accepted: true, seq: int(r.seq), price: int(r.price_after), leading: Boolean(r.leads), endAt: int(r.end_at_after) }
        : { bidderId, clientBidId, auctionId, amount, maxAmount, nextMinimum, accepted: false, reason: String(r.reason) };
    });
  }

  /**
   * Writes a batch's plan in one statement: the decided bids, every decision, and the new
   * books. Data-modifying CTEs always run to completion, referenced or not. A decision stored
   * concurrently by another process fails on pk_bid_decisions. The columns go as array
   * literals (database/pg-arrays.ts), timestamps in them as ISO strings. The books' ids are also
   * an index condition: on statistics from when the table was small, the planner seq-scanned
   * every auction to hash-join them (seen on 1,021 rows, 0.5 ms of a 7.4 ms write).
   */
  writePlan(tx: PipelinedTransaction, plan: { bids: BidRow[]; decisions: DecisionRow[]; books: { auction: LockedAuction; lastSeq: number }[] }): Promise<unknown> {
    const { bids, decisions, books } = plan;
    if (bids.length === 0 && decisions.length === 0 && books.length === 0) return Promise.resolve();
    return tx.query({
      name: 'write-plan',
      text: `WITH new_bids AS (
         INSERT INTO bids (auction_id, seq, bidder_id, kind, amount, max_amount, client_bid_id, received_at,
                           price_after, leads, next_minimum, end_at_after, extended)
         SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::varchar[], $5::bigint[], $6::bigint[], $7::varchar[],
                              $8::timestamptz[], $9::bigint[], $10::boolean[], $11::bigint[], $12::timestamptz[], $13::boolean[])
       ), new_decisions AS (
         INSERT INTO bid_decisions (bidder_id, client_bid_id, auction_id, amount, max_amount, accepted, seq, reason, next_minimum, received_at)
         SELECT * FROM unnest($14::uuid[], $15::varchar[], $16::uuid[], $17::bigint[], $18::bigint[], $19::boolean[], $20::bigint[],
                              $21::varchar[], $22::bigint[], $23::timestamptz[])
       )
       UPDATE auctions a SET current_price = u.price, leader_id = u.leader, leader_max = u.leader_max, bid_count = u.bids,
              last_seq = u.last_seq, end_at = u.end_at, updated_at = now()
         FROM unnest($24::uuid[], $25::bigint[], $26::uuid[], $27::bigint[], $28::int[], $29::bigint[], $30::timestamptz[])
              AS u(id, price, leader, leader_max, bids, last_seq, end_at)
        WHERE a.id = u.id AND a.id = ANY($24::uuid[])`,
      values: [
        textArray(bids.map((r) => r.auctionId)),
        integerArray(bids.map((r) => r.seq)),
        textArray(bids.map((r) => r.bidderId)),
        textArray(bids.map((r) => r.kind)),
        integerArray(bids.map((r) => r.amount)),
        integerArray(bids.map((r) => r.maxAmount)),
        textArray(bids.map((r) => r.clientBidId)),
        textArray(bids.map((r) => iso(r.receivedAt))),
        integerArray(bids.map((r) => r.priceAfter)),
        booleanArray(bids.map((r) => r.leading)),
        integerArray(bids.map((r) => r.nextMinimum)),
        textArray(bids.map((r) => iso(r.endAtAfter))),
        booleanArray(bids.map((r) => r.extended)),
        textArray(decisions.map((r) => r.bidderId)),
        textArray(decisions.map((r) => r.clientBidId)),
        textArray(decisions.map((r) => r.auctionId)),
        integerArray(decisions.map((r) => r.amount)),
        integerArray(decisions.map((r) => r.maxAmount)),
        booleanArray(decisions.map((r) => r.accepted)),
        integerArray(decisions.map((r) => r.seq)),
        textArray(decisions.map((r) => r.reason)),
        integerArray(decisions.map((r) => r.nextMinimum)),
        textArray(decisions.map((r) => iso(r.receivedAt))),
        textArray(books.map((c) => c.auction.id)),
        integerArray(books.map((c) => c.auction.book.currentPrice)),
        textArray(books.map((c) => c.auction.book.leaderId)),
        integerArray(books.map((c) => c.auction.book.leaderMax)),
        integerArray(books.map((c) => c.auction.book.bidCount)),
        integerArray(books.map((c) => c.lastSeq)),
        textArray(books.map((c) => iso(c.auction.book.endAt))),
      ],
    });
  }

  async closeAuction(tx: PipelinedTransaction, id: string, winnerId: string | null, reserveMet: boolean, closedAt: number): Promise<void> {
    await tx.query({
      text: `UPDATE auctions SET state = 'closed', closed_at = $4, winner_id = $2, reserve_met = $3, updated_at = now()
        WHERE id = $1`,
      values: [id, winnerId, reserveMet, iso(closedAt)],
    });
  }

  /** Auctions whose state must change at `now`: scheduled ones that started, open ones past their end + grace. */
  async findDueTransitions(closeGraceMs: number, now: number): Promise<{ id: string; state: string }[]> {
    return await this.dataSource.query<{ id: string; state: string }[]>(
      `SELECT id, state FROM auctions
        WHERE (state = 'scheduled' AND start_at <= $2)
           OR (state <> 'closed' AND end_at <= $2::timestamptz - make_interval(secs => $1::double precision / 1000))
        ORDER BY end_at LIMIT 500`,
      [closeGraceMs, new Date(now)],
    );
  }

  async openAuction(id: string, now: number): Promise<boolean> {
    const result = await this.dataSource.query<[unknown, number]>(
      `UPDATE auctions SET state = 'open', updated_at = now() WHERE id = $1 AND state = 'scheduled' AND start_at <= $2`,
      [id, new Date(now)],
    );
    return result[1] > 0;
  }

  async bidHistory(auctionId: string, afterSeq: number, limit: number): Promise<HistoryRow[]> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT b.seq, b.kind, b.amount, b.price_after, b.next_minimum, b.end_at_after, b.received_at, b.extended,
              b.bidder_id, bp.pseudonym AS bidder_pseudonym, lp.pseudonym AS leader_pseudonym,
              a.reserve_price
         FROM bids b
         JOIN bidders bp ON bp.id = b.bidder_id
         JOIN auctions a ON a.id = b.auction_id
         LEFT JOIN LATERAL (
           SELECT x.bidder_id FROM bids x WHERE x.auction_id = b.auction_id AND x.seq <= b.seq AND x.leads
           ORDER BY x.seq DESC LIMIT 1) lead ON true
         LEFT JOIN bidders lp ON lp.id = lead.bidder_id
        WHERE b.auction_id = $1 AND b.seq > $2
        ORDER BY b.seq LIMIT $3`,
      [auctionId, afterSeq, limit],
    );
    return rows.map((r) => ({
      seq: int(r.seq),
      kind: r.kind as 'bid' | 'proxy',
      amount: int(r.amount),
      price: int(r.price_after),
      nextMinimum: int(r.next_minimum),
      endAt: (r.end_at_after as Date).getTime(),
      receivedAt: (r.received_at as Date).getTime(),
      extended: Boolean(r.extended),
      bidderId: String(r.bidder_id),
      bidderPseudonym: String(r.bidder_pseudonym),
      leaderPseudonym: typeof r.leader_pseudonym === 'string' ? r.leader_pseudonym : '',
      reservePrice: r.reserve_price === null ? null : int(r.reserve_price),
    }));
  }

  /** Inserts an auction, open already if it starts at or before `now`. */
  async createAuction(input: NewAuction, now: number): Promise<string> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO auctions (title, description, seller_id, currency, price_scale, starting_price, reserve_price, increments,
                             start_at, scheduled_end_at, end_at, soft_close_window_ms, soft_close_extension_ms, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, CASE WHEN $9::timestamptz <= $13::timestamptz THEN 'open' ELSE 'scheduled' END)
       RETURNING id`,
      [
        input.title, input.description, input.sellerId, input.currency, input.priceScale, input.startingPrice,
        input.reservePrice, JSON.stringify(input.increments), new Date(input.startAt), new Date(input.endAt),
        input.softCloseWindowMs, input.softCloseExtensionMs, new Date(now),
      ],
    );
    return rows[0].id;
  }

  /**
   * A page of auctions, filtered by the status a reader sees at `now` (as statusAt works it
   * out), not by the stored state: the close sweep marks an ended auction closed a moment later.
   */
  async listAuctions(status: AuctionStatus | undefined, now: number, limit: number, offset: number, sellerHandle?: string): Promise<LockedAuction[]> {
    const rows = await this.dataSource.query<AuctionDbRow[]>(
      `SELECT ${AUCTION_COLUMNS} FROM auctions a
         LEFT JOIN bidders l ON l.id = a.leader_id LEFT JOIN bidders w ON w.id = a.winner_id
         LEFT JOIN bidders s ON s.id = a.seller_id
        WHERE CASE $1::text
                WHEN 'scheduled' THEN a.state <> 'closed' AND $5 < a.start_at
                WHEN 'open' THEN a.state <> 'closed' AND a.start_at <= $5 AND $5 < a.end_at
                WHEN 'closed' THEN a.state = 'closed' OR (a.start_at <= $5 AND a.end_at <= $5)
                ELSE true END
          AND ($4::text IS NULL OR s.handle = $4)
        ORDER BY a.end_at, a.id LIMIT $2 OFFSET $3`,
      [status ?? null, limit, offset, sellerHandle ?? null, new Date(now)],
    );
    return rows.map(toLockedAuction);
  }

  /**
   * The bidder with this handle, created on first use. Every authenticated request and
   * handshake asks, so a known bidder is only read: an upsert that always updates would write
   * (and commit, and fsync) a new row version each time, and serialise concurrent requests of
   * one bidder on its row lock. Two first uses at once: one inserts, the other's insert does
   * nothing once that one commits, and it reads the row then.
   */
  async ensureBidder(handle: string): Promise<BidderIdentity> {
    const rows = await this.dataSource.query<BidderIdentity[]>(
      `WITH found AS (SELECT id, handle, pseudonym FROM bidders WHERE handle = $1),
       created AS (
         INSERT INTO bidders (handle, pseudonym)
         SELECT $1, 'bidder-' || substr(md5(gen_random_uuid()::text), 1, 8) WHERE NOT EXISTS (SELECT 1 FROM found)
         ON CONFLICT (handle) DO NOTHING
         RETURNING id, handle, pseudonym)
       SELECT * FROM found UNION ALL SELECT * FROM created`,
      [handle],
    );
    if (rows[0]) return rows[0];
    const [existing] = await this.dataSource.query<BidderIdentity[]>(`SELECT id, handle, pseudonym FROM bidders WHERE handle = $1`, [handle]);
    if (!existing) throw new Error(`bidder ${handle} was neither found nor created`);
    return existing;
  }
}

export interface NewAuction {
  title: string;
  description: string;
  sellerId: string | null;
  currency: string;
  priceScale: number;
  startingPrice: number;
  reservePrice: number | null;
  increments: readonly IncrementBand[];
  startAt: number;
  endAt: number;
  softCloseWindowMs: number;
  softCloseExtensionMs: number;
}

export interface HistoryRow {
  seq: number;
  kind: 'bid' | 'proxy';
  amount: number;
  price: number;
  nextMinimum: number;
  endAt: number;
  receivedAt: number;
  extended: boolean;
  bidderId: string;
  bidderPseudonym: string;
  leaderPseudonym: string;
  reservePrice: number | null;
}

/** An auction's columns that never change once it is created. */
type AuctionFacts = Pick<LockedAuction, 'id' | 'title' | 'currency' | 'priceScale' | 'sellerId' | 'terms'>;

interface BookDbRow {
  id: string;
  state: 'scheduled' | 'open' | 'closed';
  end_at: string;
  current_price: string;
  leader_id: string | null;
  leader_max: string;
  bid_count: number;
  last_seq: string;
  reserve_met: boolean | null;
  closed_at: string | null;
  leader_pseudonym: string | null;
  winner_pseudonym: string | null;
}

interface AuctionDbRow extends BookDbRow {
  title: string;
  currency: string;
  price_scale: number;
  seller_id: string | null;
  starting_price: string;
  reserve_price: string | null;
  increments: IncrementBand[];
  start_at: string;
  scheduled_end_at: string;
  soft_close_window_ms: number;
  soft_close_extension_ms: number;
}

function toLockedAuction(r: AuctionDbRow): LockedAuction {
  const facts: AuctionFacts = {
    id: r.id,
    title: r.title,
    currency: r.currency,
    priceScale: r.price_scale,
    sellerId: r.seller_id,
    terms: {
      startingPrice: int(r.starting_price),
      reservePrice: r.reserve_price === null ? null : int(r.reserve_price),
      increments: r.increments,
      startAt: int(r.start_at),
      endAt: int(r.scheduled_end_at),
      softCloseWindowMs: r.soft_close_window_ms,
      softCloseExtensionMs: r.soft_close_extension_ms,
    },
  };
  return withBook(facts, r);
}

/** An auction from its unchanging facts and its row's book, in one shape whichever query read it. */
function withBook(facts: AuctionFacts, r: BookDbRow): LockedAuction {
  return {
    id: facts.id,
    title: facts.title,
    currency: facts.currency,
    priceScale: facts.priceScale,
    sellerId: facts.sellerId,
    state: r.state,
    terms: facts.terms,
    book: {
      closed: r.state === 'closed',
      currentPrice: int(r.current_price),
      leaderId: r.leader_id,
      leaderMax: int(r.leader_max),
      bidCount: r.bid_count,
      endAt: int(r.end_at),
    },
    lastSeq: int(r.last_seq),
    leaderPseudonym: r.leader_pseudonym,
    winnerPseudonym: r.winner_pseudonym,
    reserveMetAtClose: r.reserve_met,
    closedAt: r.closed_at === null ? null : int(r.closed_at),
  };
}

// The last conversion, kept: a batch's bids arrive in order, mostly many within one ms, and
// the bids of one auction share its end time.
let lastIso = { epochMs: Number.NaN, text: '' };

function iso(epochMs: number): string {
  if (epochMs !== lastIso.epochMs) lastIso = { epochMs, text: new Date(epochMs).toISOString() };
  return lastIso.text;
}

/** bigint columns arrive as strings; amounts are always safe integers. */
function int(value: unknown): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${String(value)}`);
  return n;
}
