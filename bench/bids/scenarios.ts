/**
 * The load patterns. Closed loop: every bidder bids, waits for the answer, bids again, so the
 * figure is the capacity of the whole box. Open loop: bids leave on a fixed schedule whatever
 * the answers do, so the latency is that of a given load, not of a queue the bench built up.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import { sleep } from '../proc';
import type { Answer, Bidder } from './bidder';
import { NOT_STORED, Reason, reasonName } from './bidder';
import type { ScenarioKey } from './config';
import { cpuMark, cpuSince } from './cpu';
import type { CpuShare } from './cpu';
import { LatencyRecorder, seededRandom } from './stats';
import type { LatencySummary } from './stats';

export interface ScenarioSpec {
  key: ScenarioKey;
  title: string;
  loop: 'closed' | 'open';
  /** Bids go to a random one of `auctions` auctions, else all to one hot auction. */
  spread: boolean;
  /** Prefix of the client bid ids. */
  tag: string;
}

export function scenarioSpec(key: ScenarioKey, auctions: number, rate: number): ScenarioSpec {
  const many = `${auctions.toLocaleString('en-US')} auctions`;
  const at = `${rate.toLocaleString('en-US')} bids/s`;
  switch (key) {
    case 'hot-closed':
      return { key, title: 'hot auction, closed loop', loop: 'closed', spread: false, tag: 'hc' };
    case 'spread-closed':
      return { key, title: `${many}, closed loop`, loop: 'closed', spread: true, tag: 'sc' };
    case 'hot-open':
      return { key, title: `hot auction, open ${at}`, loop: 'open', spread: false, tag: 'ho' };
    case 'spread-open':
      return { key, title: `${many}, open ${at}`, loop: 'open', spread: true, tag: 'so' };
  }
}

export interface RunContext {
  bidders: Bidder[];
  auctionIds: string[];
  seconds: number;
  /** Open loop only: total offered bids/s. */
  rate: number;
  /** Seeds the bidders' auction picks; the same for both variants. */
  seed: number;
  drainTimeoutMs: number;
  /** Process group of the app under load, for the CPU split. */
  appGroup: number;
  tag: string;
}

export interface RunFigures {
  windowSeconds: number;
  /** Open loop: the schedule; closed loop: null. */
  offeredPerS: number | null;
  /** Bids sent during the window, per second. */
  sentPerS: number;
  /** Answers received in the window that the server stored (accepted bids and stored rejections). */
  decidedPerS: number;
  /** Accepted (durable bid rows) answered in the window. */
  acceptedPerS: number;
  sent: number;
  answered: number;
  accepted: number;
  /** Answered with a rejection the server does not store (rate limit, database trouble): should be 0. */
  notStored: number;
  duplicates: number;
  /** Still unanswered when the drain timed out: should be 0. */
  unanswered: number;
  rejections: Record<string, number>;
  /** Send → answer, every answered bid sent in the window (also those answered after it). */
  latency: LatencySummary;
  /** Open loop: how late the bench sent bids against the schedule. */
  sendLag: LatencySummary | null;
  /**
   * Open loop: bids sent by a bidder that leads the auction or still waits for an answer on it,
   * because no free bidder (hot) or auction (spread) was found for the slot.
   */
  forced: number;
  /** From the window's end until the last answer. */
  drainMs: number;
  /** Longest event-loop stall of this bench process in the window: a client stall inflates latency. */
  benchLoopDelayMaxMs: number;
  cpu: CpuShare;
}

export interface ScenarioRun {
  figures: RunFigures;
  answers: Answer[];
}

/** Answers of one window: latency of all, counts of those that arrived in time. */
class Collector {
  readonly answers: Answer[] = [];
  private readonly latency = new LatencyRecorder();
  lastAnswerAt = 0;

  add(answer: Answer): void {
    this.answers.push(answer);
    this.latency.recordMs(answer.answeredAt - answer.sentAt);
    this.lastAnswerAt = Math.max(this.lastAnswerAt, answer.answeredAt);
  }

  figures(start: number, end: number, sent: number, unanswered: number, cpu: CpuShare, extra: Partial<RunFigures>): RunFigures {
    const seconds = (end - start) / 1000;
    let decidedInWindow = 0;
    let acceptedInWindow = 0;
    let accepted = 0;
    let notStored = 0;
    let duplicates = 0;
    const rejections: Record<string, number> = {};
    for (const a of this.answers) {
      const stored = a.accepted || !NOT_STORED.has(a.reason);
      if (a.accepted) accepted++;
      else rejections[reasonName(a.reason)] = (rejections[reasonName(a.reason)] ?? 0) + 1;
      if (!stored) notStored++;
      if (a.duplicate) duplicates++;
      if (a.answeredAt <= end && stored) {
        decidedInWindow++;
        if (a.accepted) acceptedInWindow++;
      }
    }
    return {
      windowSeconds: seconds,
      offeredPerS: null,
      sentPerS: sent / seconds,
      decidedPerS: decidedInWindow / seconds,
      acceptedPerS: acceptedInWindow / seconds,
      sent,
      answered: this.answers.length,
      accepted,
      notStored,
      duplicates,
      unanswered,
      rejections,
      latency: this.latency.summary(),
      sendLag: null,
      forced: 0,
      drainMs: Math.max(0, this.lastAnswerAt - end),
      benchLoopDelayMaxMs: 0,
      cpu,
      ...extra,
    };
  }
}

function bidderRandom(seed: number, tag: string, index: number): () => number {
  let h = seed ^ 0x9e3779b9;
  for (const c of `${tag}/${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return seededRandom(h);
}

/** A clean heap before the window (with --expose-gc), then watch this process's event loop. */
function startLoopDelay(): IntervalHistogram {
  (globalThis as { gc?: () => void }).gc?.();
  const histogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  return histogram;
}

function stopLoopDelay(histogram: IntervalHistogram): number {
  histogram.disable();
  return Math.round(histogram.max / 1e4) / 100;
}

function assertConnected(bidders: Bidder[]): void {
  const lost = bidders.find((b) => b.lost);
  if (lost) throw new Error(lost.lost);
}

/** Waits until `done()` or the deadline; returns the bids abandoned unanswered. */
async function drain(bidders: Bidder[], done: () => boolean, deadline: number): Promise<number> {
  while (!done() && performance.now() < deadline) {
    assertConnected(bidders);
    await sleep(5);
  }
  return done() ? 0 : bidders.reduce((n, b) => n + b.abandonPending(), 0);
}

/**
 * Every bidder bids its known next minimum (its last answer's or outbid notice's next minimum;
 * the starting price before any) on the hot auction or a random one of many, waits for the
 * answer and bids again. Told BELOW_MINIMUM, it bids the named next minimum on the same auction
 * once at once, as a bidder out to win does; told ALREADY_LEADING, it waits 2–5 ms first.
 */
export async function closedLoop(context: RunContext): Promise<ScenarioRun> {
  const { bidders, auctionIds, tag } = context;
  const collector = new Collector();
  const loopDelay = startLoopDelay();
  const cpuBefore = cpuMark();
  const start = performance.now();
  const end = start + context.seconds * 1000;
  let sent = 0;
  let running = bidders.length;
  const loops = bidders.map(async (bidder, index) => {
    const random = bidderRandom(context.seed, tag, index);
    try {
      let rebidOn: string | undefined;
      while (performance.now() < end && !bidder.lost) {
        const auctionId = rebidOn ?? (auctionIds.length === 1 ? auctionIds[0] : auctionIds[Math.floor(random() * auctionIds.length)]);
        sent++;
        const answer = await bidder.bid(auctionId, tag);
        collector.add(answer);
        // Bidding to win: outbid at once, by the next valid bid the rejection named (once per pick).
        rebidOn = !rebidOn && answer.reason === Reason.BID_REJECT_REASON_BELOW_MINIMUM ? auctionId : undefined;
        if (!answer.accepted && answer.reason === Reason.BID_REJECT_REASON_ALREADY_LEADING) await sleep(2 + random() * 3);
      }
    } finally {
      running--;
    }
  });
  await sleep(Math.max(0, end - performance.now()));
  const cpu = cpuSince(cpuBefore, context.appGroup);
  const benchLoopDelayMaxMs = stopLoopDelay(loopDelay);
  const unanswered = await drain(bidders, () => running === 0, end + context.drainTimeoutMs);
  if (unanswered === 0) await Promise.all(loops);
  assertConnected(bidders);
  return { figures: collector.figures(start, end, sent, unanswered, cpu, { benchLoopDelayMaxMs }), answers: collector.answers };
}

/**
 * Bids leave at `rate` per second in total, round-robin over the bidders, without waiting for
 * answers. A bidder that leads the chosen auction, or still waits for an answer on it, is skipped
 * (hot auction: the next bidder takes the slot; many auctions: the bidder picks another auction).
 */
export async function openLoop(context: RunContext): Promise<ScenarioRun> {
  const { bidders, auctionIds, tag } = context;
  const collector = new Collector();
  const randoms = bidders.map((_, index) => bidderRandom(context.seed, tag, index));
  const sendLag = new LatencyRecorder();
  const total = Math.max(1, Math.round(context.rate * context.seconds));
  const intervalMs = 1000 / context.rate;
  let cursor = 0;
  let forced = 0;
  const free = (bidder: Bidder, auctionId: string) => {
    const view = bidder.view(auctionId);
    return !view.leading && view.inFlight === 0;
  };
  const choose = (): [Bidder, string] => {
    if (auctionIds.length === 1) {
      const hot = auctionIds[0];
      for (let k = 0; k < bidders.length; k++) {
        const bidder = bidders[(cursor + k) % bidders.length];
        if (free(bidder, hot)) {
          cursor = (cursor + k + 1) % bidders.length;
          return [bidder, hot];
        }
      }
      forced++;
      return [bidders[cursor++ % bidders.length], hot];
    }
    const index = cursor++ % bidders.length;
    const bidder = bidders[index];
    let auctionId = auctionIds[Math.floor(randoms[index]() * auctionIds.length)];
    for (let tries = 0; tries < 8 && !free(bidder, auctionId); tries++) {
      auctionId = auctionIds[Math.floor(randoms[index]() * auctionIds.length)];
    }
    if (!free(bidder, auctionId)) forced++;
    return [bidder, auctionId];
  };

  const loopDelay = startLoopDelay();
  const cpuBefore = cpuMark();
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve, reject) => {
    const tick = () => {
      try {
        assertConnected(bidders);
        const now = performance.now();
        const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
        for (; sent < due; sent++) {
          sendLag.recordMs(now - (start + sent * intervalMs));
          const [bidder, auctionId] = choose();
          void bidder.bid(auctionId, tag).then((answer) => collector.add(answer));
        }
        if (sent >= total) resolve();
        else setTimeout(tick, Math.max(0, Math.min(1, start + sent * intervalMs - performance.now())));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    tick();
  });
  // The window is the schedule: `total` bids over `seconds`.
  const end = Math.max(performance.now(), start + context.seconds * 1000);
  await sleep(Math.max(0, end - performance.now()));
  const cpu = cpuSince(cpuBefore, context.appGroup);
  const benchLoopDelayMaxMs = stopLoopDelay(loopDelay);
  const unanswered = await drain(bidders, () => collector.answers.length >= sent, end + context.drainTimeoutMs);
  assertConnected(bidders);
  return {
    figures: collector.figures(start, end, sent, unanswered, cpu, {
      offeredPerS: context.rate,
      sendLag: sendLag.summary(),
      forced,
      benchLoopDelayMaxMs,
    }),
    answers: collector.answers,
  };
}
