/**
 * Runnable SDK example: prints prices and an auction, and places one bid with safe retries.
 *
 *   npm start                                    # in another terminal: the platform
 *   npx ts-node --transpile-only examples/typescript/watch-and-bid.ts
 */
import { BidtapeClient, formatMinor } from '../../sdk/src';

async function main(): Promise<void> {
  const url = process.env.BIDTAPE_URL ?? 'ws://localhost:3000/v1/stream';
  const client = new BidtapeClient({ url, bidder: process.env.BIDTAPE_BIDDER ?? 'example-bidder' });
  client.on('state', (state) => console.log(`[connection ${state}]`));
  client.on('outbid', (o) => console.log(`[outbid on ${o.auctionId}: next valid bid ${o.nextMinimum}]`));
  await client.connect();

  // Five price updates, at most one per second per symbol.
  let seen = 0;
  const scales = new Map<string, number>();
  for await (const { symbol, tick, instrument } of client.subscribe(['BTC-USD', 'EUR-USD'], { maxRate: 1 })) {
    if (instrument) scales.set(symbol, instrument.priceScale ?? 0);
    console.log(symbol, formatMinor(Number(tick.lastPrice), scales.get(symbol) ?? 0), `seq ${tick.seq}`);
    if (++seen === 5) break;
  }

  // The first open auction: its state, then one bid at the next valid amount.
  const http = url.replace(/^ws/, 'http').replace(/\/v1\/stream.*$/, '');
  const [auction] = (await (await fetch(`${http}/v1/auctions?status=open&limit=1`)).json()) as { id: string; title: string }[];
  if (!auction) return client.close();
  for await (const event of client.watchAuction(auction.id)) {
    if (event.kind !== 'snapshot') continue;
    const { currency, priceScale } = event.state;
    const money = (minor: number) => `${formatMinor(minor, priceScale)} ${currency}`;
    console.log(`${auction.title}: price ${money(event.state.currentPrice)}, next minimum ${money(event.state.nextMinimum)}`);
    const answer = await client.placeBid({ auctionId: auction.id, amount: event.state.nextMinimum });
    if (answer.status === 'accepted') console.log(`accepted as bid #${answer.seq} at ${money(answer.price)}`);
    else if (answer.status === 'rejected') console.log(`rejected (${answer.reasonName}), next valid ${money(answer.nextMinimum)}`);
    else console.log(`no decision: ${answer.error.message}${answer.outcomeUnknown ? ' (resend the same clientBidId to learn it)' : ''}`);
    break;
  }
  client.close();
}

void main();
