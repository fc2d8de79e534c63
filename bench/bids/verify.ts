/**
 * After the run, straight from PostgreSQL: every accepted answer is a stored bid of that
 * bidder with the acknowledged seq and amount, every stored rejection answer has its row,
 * each auction's seqs are exactly 1..n with rising amounts and nothing was stored that no
 * bidder was told about. Also counts the transactions that wrote each run's rows.
 */
import type { Client } from 'pg';
import type { Answer } from './bidder';
import { NOT_STORED, reasonName } from './bidder';

export interface Verification {
  ok: boolean;
  acceptedChecked: number;
  rejectionsChecked: number;
  auctionsChecked: number;
  /** Distinct transactions (xmin) that wrote this run's bids and rejections: the commits. */
  commits: number;
  problems: string[];
}

const MAX_LISTED = 5;

export async function verifyRun(db: Client, auctionIds: string[], answers: Answer[]): Promise<Verification> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < MAX_LISTED) problems.push(text);
    else if (problems.length === MAX_LISTED) problems.push('...');
  };
  const key = (handle: string, clientBidId: string) => `${handle}\u0000${clientBidId}`;

  const bids = await db.query<{ auction_id: string; seq: string; amount: string; client_bid_id: string | null; kind: string; handle: string }>(
    `SELECT b.auction_id, b.seq, b.amount, b.client_bid_id, b.kind, d.handle
       FROM bids b JOIN bidders d ON d.id = b.bidder_id
      WHERE b.auction_id = ANY($1::uuid[])
      ORDER BY b.auction_id, b.seq`,
    [auctionIds],
  );
  const storedBids = new Map<string, { auctionId: string; seq: number; amount: number }>();
  const byAuction = new Map<string, { seq: number; amount: number }[]>();
  for (const row of bids.rows) {
    const seq = Number(row.seq);
    const amount = Number(row.amount);
    if (row.client_bid_id !== null) storedBids.set(key(row.handle, row.client_bid_id), { auctionId: row.auction_id, seq, amount });
    if (row.kind !== 'bid') problem(`unexpected ${row.kind} row in ${row.auction_id} seq ${seq} (the bench places no proxy bids)`);
    let list = byAuction.get(row.auction_id);
    if (!list) byAuction.set(row.auction_id, (list = []));
    list.push({ seq, amount });
  }

  const rejections = await db.query<{ handle: string; client_bid_id: string; reason: string }>(
    `SELECT d.handle, r.client_bid_id, r.reason
       FROM bid_decisions r JOIN bidders d ON d.id = r.bidder_id
      WHERE r.auction_id = ANY($1::uuid[]) AND NOT r.accepted`,
    [auctionIds],
  );
  const storedRejections = new Map(rejections.rows.map((r) => [key(r.handle, r.client_bid_id), r.reason]));

  let acceptedChecked = 0;
  let rejectionsChecked = 0;
  for (const a of answers) {
    const k = key(a.handle, a.clientBidId);
    if (a.accepted) {
      acceptedChecked++;
      const stored = storedBids.get(k);
      if (!stored) problem(`accepted ${a.handle}/${a.clientBidId} (seq ${a.seq}) is not in bids`);
      else if (stored.seq !== a.seq || stored.auctionId !== a.auctionId || stored.amount !== a.amount) {
        problem(`accepted ${a.handle}/${a.clientBidId}: acknowledged seq ${a.seq} amount ${a.amount}, stored seq ${stored.seq} amount ${stored.amount}`);
      }
    } else if (!NOT_STORED.has(a.reason)) {
      rejectionsChecked++;
      const stored = storedRejections.get(k);
      if (stored !== reasonName(a.reason)) problem(`rejection ${a.handle}/${a.clientBidId} (${reasonName(a.reason)}) stored as ${stored ?? 'nothing'}`);
    }
  }
  if (storedBids.size !== acceptedChecked) problem(`${storedBids.size} bids stored, ${acceptedChecked} accepted answers`);
  if (storedRejections.size !== rejectionsChecked) problem(`${storedRejections.size} rejections stored, ${rejectionsChecked} rejection answers`);

  const books = await db.query<{ id: string; last_seq: string; current_price: string }>(
    `SELECT id, last_seq, current_price FROM auctions WHERE id = ANY($1::uuid[])`,
    [auctionIds],
  );
  for (const book of books.rows) {
    const list = byAuction.get(book.id) ?? [];
    list.forEach((row, index) => {
      if (row.seq !== index + 1) problem(`auction ${book.id}: seq ${row.seq} at position ${index + 1} (seqs must be 1..n)`);
      if (index > 0 && row.amount <= list[index - 1].amount) problem(`auction ${book.id}: amount of seq ${row.seq} not above seq ${row.seq - 1}`);
    });
    if (Number(book.last_seq) !== list.length) problem(`auction ${book.id}: last_seq ${book.last_seq} but ${list.length} bids`);
    const last = list.at(-1);
    if (last && Number(book.current_price) !== last.amount) problem(`auction ${book.id}: price ${book.current_price}, last bid ${last.amount}`);
  }
  if (books.rows.length !== auctionIds.length) problem(`${auctionIds.length - books.rows.length} auctions missing`);

  const commits = await db.query<{ n: string }>(
    `SELECT count(DISTINCT x) AS n FROM (
       SELECT xmin::text AS x FROM bids WHERE auction_id = ANY($1::uuid[])
       UNION ALL SELECT xmin::text FROM bid_decisions WHERE auction_id = ANY($1::uuid[])) t`,
    [auctionIds],
  );
  return {
    ok: problems.length === 0,
    acceptedChecked,
    rejectionsChecked,
    auctionsChecked: books.rows.length,
    commits: Number(commits.rows[0].n),
    problems,
  };
}

/** Checks each window right after it (so the bench keeps no answers) and sums up. */
export class Verifier {
  accepted = 0;
  rejections = 0;
  auctions = 0;
  failures: string[] = [];

  constructor(private readonly db: Client) {}

  /** Verifies one window's rows; returns its commit count. */
  async check(label: string, auctionIds: string[], answers: Answer[], flags: { unanswered: number; notStored: number; duplicates: number }): Promise<Verification> {
    const v = await verifyRun(this.db, auctionIds, answers);
    this.accepted += v.acceptedChecked;
    this.rejections += v.rejectionsChecked;
    this.auctions += v.auctionsChecked;
    const problems = [...v.problems];
    if (flags.unanswered || flags.notStored || flags.duplicates) {
      problems.push(`unanswered ${flags.unanswered}, answered but not stored ${flags.notStored}, duplicates ${flags.duplicates}`);
    }
    if (problems.length > 0) this.failures.push(`${label}: VERIFY FAILED\n${problems.map((p) => `    ${p}`).join('\n')}`);
    return v;
  }

  get ok(): boolean {
    return this.failures.length === 0;
  }

  summary(): string {
    if (!this.ok) return this.failures.join('\n');
    return (
      `verified: ${this.accepted.toLocaleString('en-US')} accepted answers found in bids with the acknowledged seq and amount, ` +
      `${this.rejections.toLocaleString('en-US')} rejection answers found in bid_decisions with their reason, ` +
      `seqs 1..n with rising amounts and matching books in all ${this.auctions.toLocaleString('en-US')} auctions`
    );
  }
}
