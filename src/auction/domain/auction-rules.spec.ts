import fc from 'fast-check';
import type { AuctionBook, AuctionTerms, BidDecision, BidRequest, RecordedBid, RejectReason } from './auction-rules';
import { decideBid, minimumNextBid, reserveMet, settle, statusAt } from './auction-rules';
import type { IncrementBand } from './increments';
import { DEFAULT_INCREMENTS } from './increments';

const MINUTE = 60_000;
const START = Date.UTC(2030, 0, 1, 12);
const END = START + 60 * MINUTE;
const MID = START + 10 * MINUTE;

// Starting price 10.00, default increments, 2-minute soft close that extends by 2 minutes.
function terms(overrides: Partial<AuctionTerms> = {}): AuctionTerms {
  return {
    startingPrice: 1_000,
    reservePrice: null,
    increments: DEFAULT_INCREMENTS,
    startAt: START,
    endAt: END,
    softCloseWindowMs: 2 * MINUTE,
    softCloseExtensionMs: 2 * MINUTE,
    ...overrides,
  };
}

function book(overrides: Partial<AuctionBook> = {}): AuctionBook {
  return { closed: false, currentPrice: 0, leaderId: null, leaderMax: 0, bidCount: 0, endAt: END, ...overrides };
}

/** A book where `leaderId` leads at `price` with a maximum of `max` (a plain bid when omitted). */
function leading(leaderId: string, price: number, max = price): AuctionBook {
  return book({ currentPrice: price, leaderId, leaderMax: max, bidCount: 1 });
}

function bid(bidderId: string, amount: number, maxAmount?: number | null, receivedAt = MID): BidRequest {
  return { bidderId, amount, maxAmount, receivedAt };
}

type Accepted = Extract<BidDecision, { accepted: true }>;
type Entry = [bidderId: string, amount: number, maxAmount: number | null, kind: RecordedBid['kind']];

function accepted(decision: BidDecision): Accepted {
  if (!decision.accepted) throw new Error(`expected acceptance, got ${decision.reason}`);
  return decision;
}

function entries(decision: Accepted): Entry[] {
  return decision.recorded.map((r) => [r.bidderId, r.amount, r.maxAmount, r.kind]);
}

/** Applies bids in order, keeping the book of each accepted one. */
function replay(t: AuctionTerms, bids: BidRequest[]): { book: AuctionBook; decisions: BidDecision[] } {
  let current = book({ endAt: t.endAt });
  const decisions = bids.map((b) => {
    const decision = decideBid(t, current, b);
    if (decision.accepted) current = decision.book;
    return decision;
  });
  return { book: current, decisions };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe(statusAt.name, () => {
  it.each<[string, number, AuctionBook, string]>([
    ['scheduled before the start', START - 1, book(), 'scheduled'],
    ['open at the start', START, book(), 'open'],
    ['open in the last millisecond', END - 1, book(), 'open'],
    ['closed at the end', END, book(), 'closed'],
    ['closed once the close ran, even before the end', MID, book({ closed: true }), 'closed'],
    ['open past the scheduled end while extended', END + MINUTE - 1, book({ endAt: END + MINUTE }), 'open'],
    ['closed at the extended end', END + MINUTE, book({ endAt: END + MINUTE }), 'closed'],
  ])('%s', (_name, now, b, expected) => {
    expect(statusAt(terms(), b, now)).toBe(expected);
  });
});

describe(minimumNextBid.name, () => {
  it.each<[string, AuctionBook, number]>([
    ['the starting price without a leader', book(), 1_000],
    ['one increment above the price', leading('a', 1_000), 1_050], // 1000 + 50
    ['ignores the leader’s hidden maximum', leading('a', 1_000, 9_000), 1_050], // 1000 + 50
    ['uses the band below its edge', leading('a', 1_999), 2_049], // 1999 + 50
    ['uses the next band at its edge', leading('a', 2_000), 2_100], // 2000 + 100
    ['steps across a band edge by the lower band', leading('a', 19_950), 20_050], // 19950 + 100
    ['top band', leading('a', 2_500_000), 2_510_000], // 2500000 + 10000
  ])('%s', (_name, b, expected) => {
    expect(minimumNextBid(terms(), b)).toBe(expected);
  });
});

describe(reserveMet.name, () => {
  it.each<[string, number | null, AuctionBook, boolean]>([
    ['no reserve, no bids', null, book(), true],
    ['no reserve, a leader', null, leading('a', 1_000), true],
    ['a reserve, no bids', 5_000, book(), false],
    ['price below the reserve', 5_000, leading('a', 4_999, 9_000), false],
    ['price at the reserve', 5_000, leading('a', 5_000), true],
    ['price above the reserve', 5_000, leading('a', 5_100), true],
  ])('%s', (_name, reservePrice, b, expected) => {
    expect(reserveMet(terms({ reservePrice }), b)).toBe(expected);
  });
});

describe(decideBid.name, () => {
  describe('rejections', () => {
    const closedLeading = { ...leading('a', 1_000), closed: true };
    it.each<[string, AuctionBook, BidRequest, RejectReason, number]>([
      ['before the start', book(), bid('a', 1_000, null, START - 1), 'NOT_STARTED', 1_000],
      ['NOT_STARTED before INVALID_AMOUNT', book(), bid('a', -5, null, START - 1), 'NOT_STARTED', 1_000],
      ['at the end', book(), bid('a', 1_000, null, END), 'AUCTION_CLOSED', 1_000],
      ['past the extended end', book({ endAt: END + MINUTE }), bid('a', 1_000, null, END + MINUTE), 'AUCTION_CLOSED', 1_000],
      ['after the close ran, before the end', book({ closed: true }), bid('a', 1_000), 'AUCTION_CLOSED', 1_000],
      ['AUCTION_CLOSED before INVALID_AMOUNT', book({ closed: true }), bid('a', 0), 'AUCTION_CLOSED', 1_000],
      ['AUCTION_CLOSED before BELOW_MINIMUM', closedLeading, bid('b', 1), 'AUCTION_CLOSED', 1_050], // 1000 + 50
      ['AUCTION_CLOSED before ALREADY_LEADING', closedLeading, bid('a', 2_000), 'AUCTION_CLOSED', 1_050],
      ['a zero amount', book(), bid('a', 0), 'INVALID_AMOUNT', 1_000],
      ['a negative amount', book(), bid('a', -1_000), 'INVALID_AMOUNT', 1_000],
      ['a fractional amount', book(), bid('a', 1_000.5), 'INVALID_AMOUNT', 1_000],
      ['a NaN amount', book(), bid('a', NaN), 'INVALID_AMOUNT', 1_000],
      ['an infinite amount', book(), bid('a', Infinity), 'INVALID_AMOUNT', 1_000],
      ['an unsafe amount', book(), bid('a', 2 ** 53), 'INVALID_AMOUNT', 1_000],
      ['a maximum below the amount', book(), bid('a', 1_000, 999), 'INVALID_AMOUNT', 1_000],
      ['a fractional maximum', book(), bid('a', 1_000, 1_500.5), 'INVALID_AMOUNT', 1_000],
      ['a NaN maximum', book(), bid('a', 1_000, NaN), 'INVALID_AMOUNT', 1_000],
      ['an unsafe maximum', book(), bid('a', 1_000, 2 ** 53), 'INVALID_AMOUNT', 1_000],
      ['INVALID_AMOUNT before ALREADY_LEADING', leading('a', 1_000), bid('a', 0), 'INVALID_AMOUNT', 1_050],
      ['the leader bidding again', leading('a', 1_000), bid('a', 9_000), 'ALREADY_LEADING', 1_050],
      ['the leader raising their maximum', leading('a', 1_000, 5_000), bid('a', 1_050, 8_000), 'ALREADY_LEADING', 1_050],
      ['ALREADY_LEADING before BELOW_MINIMUM', leading('a', 1_000), bid('a', 1), 'ALREADY_LEADING', 1_050],
      ['a first bid below the starting price', book(), bid('a', 999), 'BELOW_MINIMUM', 1_000],
      ['less than one increment above', leading('a', 1_000), bid('b', 1_049), 'BELOW_MINIMUM', 1_050], // 1000 + 50
      ['a high maximum with a low amount', leading('a', 1_000), bid('b', 1_049, 9_000), 'BELOW_MINIMUM', 1_050],
      ['below the minimum at a band edge', leading('a', 2_000), bid('b', 2_050), 'BELOW_MINIMUM', 2_100], // 2000 + 100
    ])('%s', (_name, before, request, reason, nextMinimum) => {
      expect(decideBid(terms(), before, request)).toEqual({ accepted: false, reason, nextMinimum });
    });

    it.each<[string, number | null | undefined]>([
      ['undefined', undefined],
      ['null', null],
      ['equal to the amount', 1_000],
    ])('accepts a maximum that is %s', (_name, maxAmount) => {
      expect(decideBid(terms(), book(), bid('a', 1_000, maxAmount)).accepted).toBe(true);
    });
  });

  // a leads at 10.00, with a plain bid or with a proxy maximum of 50.00
  const aPlain = leading('a', 1_000);
  const aProxy = leading('a', 1_000, 5_000);

  describe('the challenger takes the lead', () => {
    // Recorded: one entry, the challenger's bid at the new price; the old leader, if any, is outbid.
    it.each<[string, AuctionBook, BidRequest, number, number, number]>([
      // name, book before, bid, price, leaderMax, nextMinimum
      ['a first bid at the starting price', book(), bid('a', 1_000), 1_000, 1_000, 1_050], // 1000 + 50
      ['a first bid above the starting price keeps its amount', book(), bid('a', 1_500), 1_500, 1_500, 1_550],
      ['a first proxy bid opens at its amount, not its maximum', book(), bid('a', 1_000, 5_000), 1_000, 5_000, 1_050],
      ['plain over plain by one increment', aPlain, bid('b', 1_050), 1_050, 1_050, 1_100],
      ['plain over plain by a jump, at its amount', aPlain, bid('b', 1_500), 1_500, 1_500, 1_550],
      ['plain onto a band edge', leading('a', 1_950), bid('b', 2_000), 2_000, 2_000, 2_100], // 2000 + 100
      // max(5050, min(5050, 5000 + 100))
      ['plain just over a proxy maximum, at its amount', aProxy, bid('b', 5_050), 5_050, 5_050, 5_150],
      ['proxy over plain by one increment', aPlain, bid('b', 1_050, 5_000), 1_050, 5_000, 1_100], // 1000 + 50
      ['proxy over plain at its own higher amount', aPlain, bid('b', 1_200, 5_000), 1_200, 5_000, 1_250],
      ['higher proxy: one increment over the other maximum', aProxy, bid('b', 1_050, 8_000), 5_100, 8_000, 5_200], // 5000 + 100
      ['higher proxy: capped at its own maximum', aProxy, bid('b', 1_050, 5_050), 5_050, 5_050, 5_150], // min(5050, 5000 + 100)
      // 1990 + 50: the step is that of the beaten maximum's band
      ['higher proxy over a maximum below a band edge', leading('a', 1_000, 1_990), bid('b', 1_050, 3_000), 2_040, 3_000, 2_140],
    ])('%s', (_name, before, request, price, leaderMax, nextMinimum) => {
      const decision = accepted(decideBid(terms(), before, request));
      expect(decision).toMatchObject({ leading: true, price, nextMinimum });
      expect(decision.book).toMatchObject({ leaderId: request.bidderId, leaderMax, currentPrice: price });
      expect(decision.book.bidCount).toBe(before.bidCount + 1);
      expect(entries(decision)).toEqual([[request.bidderId, price, request.maxAmount ?? null, 'bid']]);
      expect(decision.outbid).toEqual(before.leaderId === null ? null : { bidderId: before.leaderId, reason: 'NEW_BID' });
    });
  });

  describe('the leader’s proxy defends', () => {
    // Recorded: the challenger's bid at its maximum, then the leader's proxy at the new price.
    // The challenger is outbid; the leader's maximum stays where it was.
    it.each<[string, AuctionBook, BidRequest, number, number]>([
      // name, book before, bid, price, nextMinimum
      ['against plain: one increment above it', aProxy, bid('b', 1_500), 1_550, 1_600], // 1500 + 50
      ['against plain: capped at the leader’s maximum', aProxy, bid('b', 4_990), 5_000, 5_100], // min(5000, 4990 + 100)
      ['against plain equal to its maximum: the earlier bidder wins', aProxy, bid('b', 5_000), 5_000, 5_100],
      ['against a lower proxy: one increment above its maximum', aProxy, bid('b', 1_050, 4_000), 4_100, 4_200], // 4000 + 100
      ['against a lower proxy: capped at the leader’s maximum', aProxy, bid('b', 1_050, 4_950), 5_000, 5_100], // min(5000, 4950 + 100)
      ['against an equal proxy: the earlier bidder wins', aProxy, bid('b', 1_050, 5_000), 5_000, 5_100],
      ['against a lower proxy below a band edge', aProxy, bid('b', 1_050, 1_990), 2_040, 2_140], // 1990 + 50
    ])('%s', (_name, before, request, price, nextMinimum) => {
      const decision = accepted(decideBid(terms(), before, request));
      const challengerMax = request.maxAmount ?? request.amount;
      expect(decision).toMatchObject({ leading: false, price, nextMinimum });
      expect(decision.book).toMatchObject({ leaderId: 'a', leaderMax: before.leaderMax, currentPrice: price });
      expect(decision.book.bidCount).toBe(before.bidCount + 2);
      expect(entries(decision)).toEqual([
        [request.bidderId, challengerMax, request.maxAmount ?? null, 'bid'],
        ['a', price, null, 'proxy'],
      ]);
      expect(decision.outbid).toEqual({ bidderId: request.bidderId, reason: 'PROXY_MAX' });
    });
  });

  describe('a sequence', () => {
    it('plays a proxy duel out over several bids', () => {
      const { book: after, decisions } = replay(terms(), [
        bid('a', 1_000, 3_000), // a leads at 1000
        bid('b', 1_050), // a answers at 1100: 1050 + 50
        bid('b', 2_000), // a answers at 2100: 2000 + 100
        bid('c', 2_200, 4_000), // c wins at 3100: 3000 + 100
        bid('a', 3_200, 4_000), // equal maximum: c keeps it at 4000
      ]);
      expect(decisions.map((d) => (d.accepted ? [d.book.leaderId, d.price] : d.reason))).toEqual([
        ['a', 1_000],
        ['a', 1_100],
        ['a', 2_100],
        ['c', 3_100],
        ['c', 4_000],
      ]);
      expect(after).toMatchObject({ leaderId: 'c', leaderMax: 4_000, currentPrice: 4_000, bidCount: 8 }); // 1 + 2 + 2 + 1 + 2
    });
  });

  describe('reserve', () => {
    const withReserve = terms({ reservePrice: 5_000 });
    it.each<[string, AuctionBook, BidRequest, number, Entry[], boolean]>([
      ['a plain bid below the reserve stays put', book(), bid('a', 1_000), 1_000, [['a', 1_000, null, 'bid']], false],
      ['a maximum above the reserve jumps to it', book(), bid('a', 1_000, 6_000), 5_000, [['a', 5_000, 6_000, 'bid']], true],
      ['a maximum at the reserve jumps to it', book(), bid('a', 1_000, 5_000), 5_000, [['a', 5_000, 5_000, 'bid']], true],
      ['a maximum just below the reserve does not', book(), bid('a', 1_000, 4_999), 1_000, [['a', 1_000, 4_999, 'bid']], false],
      ['a plain bid at the reserve meets it', leading('a', 1_000), bid('b', 5_000), 5_000, [['b', 5_000, null, 'bid']], true],
      // would be 1050 = 1000 + 50 without a reserve
      ['an overtaking proxy jumps to it', leading('a', 1_000), bid('b', 1_050, 6_000), 5_000, [['b', 5_000, 6_000, 'bid']], true],
      ['a price above the reserve is untouched', leading('a', 6_000), bid('b', 6_500), 6_500, [['b', 6_500, null, 'bid']], true],
      [
        'the defending proxy entry carries the reserve', // min(8000, 2000 + 100) = 2100, lifted to 5000
        leading('a', 1_000, 8_000),
        bid('b', 1_050, 2_000),
        5_000,
        [['b', 2_000, 2_000, 'bid'], ['a', 5_000, null, 'proxy']],
        true,
      ],
      [
        'a defending proxy below the reserve is not lifted', // min(3000, 2000 + 100)
        leading('a', 1_000, 3_000),
        bid('b', 1_050, 2_000),
        2_100,
        [['b', 2_000, 2_000, 'bid'], ['a', 2_100, null, 'proxy']],
        false,
      ],
    ])('%s', (_name, before, request, price, recorded, met) => {
      const decision = accepted(decideBid(withReserve, before, request));
      expect([decision.price, entries(decision), reserveMet(withReserve, decision.book)]).toEqual([price, recorded, met]);
    });
  });

  describe('soft close', () => {
    it.each<[string, AuctionTerms, AuctionBook, number, number, number | null]>([
      ['before the window', terms(), book(), END - 2 * MINUTE - 1, END, null],
      ['at the window start, where t + E is the end itself', terms(), book(), END - 2 * MINUTE, END, null], // END - 2m + 2m
      ['inside the window', terms(), book(), END - MINUTE, END + MINUTE, END + MINUTE], // END - 1m + 2m
      ['in the last millisecond', terms(), book(), END - 1, END + 2 * MINUTE - 1, END + 2 * MINUTE - 1],
      [
        'past the scheduled end, inside an extension',
        terms(),
        book({ endAt: END + MINUTE }),
        END + MINUTE / 2,
        END + 2.5 * MINUTE, // END + 30s + 2m
        END + 2.5 * MINUTE,
      ],
      [
        'never earlier than the end it had',
        terms({ softCloseWindowMs: 10 * MINUTE }),
        book(),
        END - 5 * MINUTE,
        END, // END - 5m + 2m would shorten it
        null,
      ],
      ['with no window at all', terms({ softCloseWindowMs: 0 }), book(), END - 1, END, null],
    ])('%s', (_name, t, before, receivedAt, endAt, extendedTo) => {
      const decision = accepted(decideBid(t, before, bid('a', 1_000, null, receivedAt)));
      expect([decision.book.endAt, decision.extendedTo]).toEqual([endAt, extendedTo]);
    });

    it('extends repeatedly, each time from the bid that arrived', () => {
      const { decisions } = replay(terms(), [
        bid('a', 1_000, null, END - MINUTE), // to END + 1m
        bid('b', 1_050, null, END + MINUTE / 2), // to END + 2.5m
        bid('a', 1_100, null, END + 2 * MINUTE), // to END + 4m
        bid('b', 1_150, null, END + 4 * MINUTE), // too late
      ]);
      expect(decisions.map((d) => (d.accepted ? d.book.endAt - END : d.reason))).toEqual([
        MINUTE,
        2.5 * MINUTE,
        4 * MINUTE,
        'AUCTION_CLOSED',
      ]);
    });

    it('extends on a bid the leader’s proxy answered', () => {
      const decision = accepted(decideBid(terms(), leading('a', 1_000, 5_000), bid('b', 1_500, null, END - 1_000)));
      expect([decision.leading, decision.extendedTo]).toEqual([false, END + 2 * MINUTE - 1_000]);
    });
  });

  describe('inputs', () => {
    it('never mutates terms, book or bid', () => {
      const t = deepFreeze(terms({ reservePrice: 5_000 }));
      const requests = [bid('a', 1_000, 3_000, END - MINUTE), bid('b', 1_500, null, END - 1), bid('c', 1_000, 9_000, END)];
      const books = [book(), leading('a', 1_000, 3_000), leading('a', 1_000)].map((b) => deepFreeze(b));
      for (const before of books) {
        const snapshot = structuredClone(before);
        for (const request of requests.map((r) => deepFreeze({ ...r }))) {
          const decision = decideBid(t, before, request); // frozen: a write would throw in strict mode
          if (decision.accepted) expect(decision.book).not.toBe(before);
        }
        expect(before).toEqual(snapshot);
      }
      expect(t).toEqual(terms({ reservePrice: 5_000 }));
    });
  });

  describe('invariants over random bid sequences', () => {
    type AmountSpec = { above: number } | { raw: number };
    type MaxSpec = undefined | null | { over: number } | { raw: number };
    interface Step {
      bidderId: string;
      amount: AmountSpec;
      max: MaxSpec;
      gapMs: number;
    }
    const SMALL_STEPS: readonly IncrementBand[] = [
      { upTo: 100, increment: 1 },
      { upTo: 1_000, increment: 7 },
      { upTo: null, increment: 250 },
    ];
    const INVALID = [0, -1, 10.5, NaN, Infinity, 2 ** 53];

    const termsArb = fc.record({
      startingPrice: fc.integer({ min: 1, max: 5_000 }),
      reservePrice: fc.option(fc.integer({ min: 1, max: 60_000 }), { nil: null }),
      increments: fc.constantFrom(DEFAULT_INCREMENTS, SMALL_STEPS),
      startAt: fc.constant(START),
      endAt: fc.constant(END),
      softCloseWindowMs: fc.integer({ min: 0, max: 10 * MINUTE }),
      softCloseExtensionMs: fc.integer({ min: 0, max: 10 * MINUTE }),
    });
    // Amounts relative to the current minimum, so many bids land near it on either side.
    const stepArb: fc.Arbitrary<Step> = fc.record({
      bidderId: fc.constantFrom('a', 'b', 'c'),
      amount: fc.oneof(
        { weight: 9, arbitrary: fc.integer({ min: -300, max: 6_000 }).map((above): AmountSpec => ({ above })) },
        { weight: 1, arbitrary: fc.constantFrom(...INVALID).map((raw): AmountSpec => ({ raw })) },
      ),
      max: fc.oneof(
        fc.constant(undefined),
        fc.constant(null),
        fc.integer({ min: -100, max: 30_000 }).map((over): MaxSpec => ({ over })),
        fc.constantFrom(...INVALID).map((raw): MaxSpec => ({ raw })),
      ),
      // Server receive times only move forward; short gaps pile bids into the soft-close window.
      gapMs: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 5 * MINUTE })),
    });

    function request(step: Step, minimum: number, receivedAt: number): BidRequest {
      const amount = 'above' in step.amount ? minimum + step.amount.above : step.amount.raw;
      const { max } = step;
      const maxAmount = max == null ? max : 'over' in max ? amount + max.over : max.raw;
      return { bidderId: step.bidderId, amount, maxAmount, receivedAt };
    }

    /** What went wrong in one decision, described; empty when the invariants hold. */
    function violations(
      t: AuctionTerms,
      before: AuctionBook,
      req: BidRequest,
      previousNext: number,
      d: BidDecision,
    ): string[] {
      const found: string[] = [];
      const check = (ok: boolean, what: string) => {
        if (!ok) found.push(what);
      };
      if (!d.accepted) {
        check(d.nextMinimum === minimumNextBid(t, before), 'rejection carries the minimum');
        return found;
      }
      const after = d.book;
      const amounts = d.recorded.map((r) => r.amount);
      check(req.bidderId !== before.leaderId, 'ALREADY_LEADING accepted');
      check(req.amount >= previousNext, 'amount below the previous nextMinimum');
      check(after.currentPrice >= before.currentPrice, 'price decreased');
      check(after.currentPrice === d.price, 'book price differs from decision price');
      check(d.price <= after.leaderMax, 'price above the leader’s max');
      check(after.leaderMax >= before.leaderMax, 'leaderMax decreased');
      check(after.leaderId === before.leaderId || after.leaderMax > before.leaderMax, 'lead changed without a higher max');
      check(d.leading === (after.leaderId === req.bidderId), 'leading flag wrong');
      check(amounts.every((a, i) => i === 0 || amounts[i - 1] <= a), 'recorded amounts decrease');
      check(amounts.every((a) => Number.isSafeInteger(a)), 'recorded amount not a safe integer');
      const last = d.recorded.at(-1);
      check(last?.bidderId === after.leaderId && last.amount === d.price, 'last entry is not the leader at the price');
      check(after.bidCount === before.bidCount + d.recorded.length, 'bidCount off');
      check(after.endAt >= before.endAt, 'endAt decreased');
      check(d.extendedTo === (after.endAt === before.endAt ? null : after.endAt), 'extendedTo wrong');
      check(d.nextMinimum === minimumNextBid(t, after), 'nextMinimum differs from minimumNextBid');
      const reserve = t.reservePrice;
      check(reserve === null || after.leaderMax < reserve || d.price >= reserve, 'a willing leader sits below the reserve');
      return found;
    }

    it('hold after every decision', () => {
      fc.assert(
        fc.property(termsArb, fc.array(stepArb, { maxLength: 40 }), (t, steps) => {
          let current = deepFreeze(book({ endAt: t.endAt }));
          let previousNext = minimumNextBid(t, current);
          let now = START - MINUTE;
          const found: string[] = [];
          for (const [index, step] of steps.entries()) {
            now += step.gapMs;
            const req = request(step, minimumNextBid(t, current), now);
            const decision = decideBid(t, current, req);
            found.push(...violations(t, current, req, previousNext, decision).map((v) => `#${index}: ${v}`));
            if (decision.accepted) current = deepFreeze(decision.book);
            previousNext = decision.nextMinimum;
          }
          expect(found).toEqual([]);
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe(settle.name, () => {
  it.each<[string, number | null, AuctionBook, ReturnType<typeof settle>]>([
    ['no bids, no reserve', null, book({ closed: true }), { winnerId: null, price: 0, reserveMet: true }],
    ['no bids, a reserve', 5_000, book({ closed: true }), { winnerId: null, price: 0, reserveMet: false }],
    ['a leader, no reserve', null, leading('a', 1_500, 3_000), { winnerId: 'a', price: 1_500, reserveMet: true }],
    ['reserve unmet: no winner, the price reached', 5_000, leading('a', 4_900), { winnerId: null, price: 4_900, reserveMet: false }],
    ['reserve met exactly', 5_000, leading('a', 5_000, 9_000), { winnerId: 'a', price: 5_000, reserveMet: true }],
    ['reserve exceeded', 5_000, leading('a', 7_500), { winnerId: 'a', price: 7_500, reserveMet: true }],
  ])('%s', (_name, reservePrice, b, expected) => {
    expect(settle(terms({ reservePrice }), b)).toEqual(expected);
  });
});
