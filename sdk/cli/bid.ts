import { parseDecimal } from '../src/index';
import type { AuctionState, BidtapeClient } from '../src/index';
import { CliError, CONNECTION_HELP, CONNECTION_OPTIONS, createClient, EXIT, integer, parseCommandLine, required, UsageError } from './common';
import type { ExitCode } from './common';
import { bidOutcomeJson, bidOutcomeText } from './format';

export const BID_USAGE = 'bidtape bid --auction <id> --amount <decimal> [--max <decimal>] [--client-bid-id X] [--deadline-ms N] [--json]';

export const BID_HELP = `${BID_USAGE}

Places one bid and prints its outcome: one line, or with --json one JSON object. Amounts are
decimals in the auction's currency: on a EUR auction --amount 10.50 is ten euros fifty and
--amount 10 is ten euros (1000 cents); more decimals than the currency has is a usage error. The
auction is watched first, on the same connection, to learn its currency and decimals. --max sets
a proxy maximum: the platform bids for you up to it.

  accepted: bid #3 leads at 10.50 EUR; next minimum 11.00 EUR
  rejected BELOW_MINIMUM: the bid is below the next minimum bid; next valid bid 11.00 EUR

The answer comes once the bid is committed. If the connection drops first, or the answer is
retryable (rate limited, temporarily unavailable), the same bid is sent again with the same
client bid id until --deadline-ms: it is never recorded twice, and a resend is answered with the
original answer ("duplicate": true). With no answer by the deadline the outcome is unknown: rerun
with --client-bid-id set to the printed clientBidId to learn it.

  --auction <id>         the auction
  --amount <decimal>     the bid, in the auction's currency (10.50)
  --max <decimal>        proxy maximum, in the auction's currency
  --client-bid-id <id>   idempotency key, 1-64 printable characters (default: a new UUID)
  --deadline-ms <n>      keep trying this long (default 10000)
  --json                 the outcome as one JSON object: status, clientBidId, currency, amounts
                         as decimals with their minor units (price, priceMinor), reason by name

Exit code: 0 accepted, 2 rejected, 75 outcome unknown (no answer before the deadline), 1 the
server answered with an error (unknown auction, not allowed to bid...), 64 usage, 69 cannot
connect.

${CONNECTION_HELP}`;

/** A decimal amount as typed: its form is checked before connecting, its decimals once the currency is known. */
function decimal(name: string, text: string | undefined): string | undefined {
  if (text !== undefined && !/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`--${name} must be a decimal amount like 10.50 (got "${text}")`);
  return text;
}

function inCurrency(name: string, text: string, auction: AuctionState): number {
  const decimals = text.split('.')[1]?.length ?? 0;
  if (decimals > auction.priceScale) {
    const allowed = auction.priceScale === 0 ? 'no decimals' : `at most ${auction.priceScale} decimal${auction.priceScale === 1 ? '' : 's'}`;
    throw new UsageError(`--${name} ${text}: ${auction.currency} amounts have ${allowed}`);
  }
  try {
    return parseDecimal(text, auction.priceScale);
  } catch (error) {
    throw new UsageError(`--${name} ${text}: ${(error as Error).message}`);
  }
}

/** The auction's state from a watch's snapshot; the watch stops, bids need only the scale and currency. */
async function auctionState(client: BidtapeClient, auctionId: string, url: string, timeoutMs: number): Promise<AuctionState> {
  const watch = client.watchAuction(auctionId);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError(`${url} sent no snapshot of auction ${auctionId} within ${timeoutMs} ms`, EXIT.unavailable)), timeoutMs);
  });
  try {
    return await Promise.race([watch.ready, late]);
  } finally {
    clearTimeout(timer);
    watch.stop();
  }
}

export async function bid(args: string[]): Promise<ExitCode> {
  const { values } = parseCommandLine({
    args,
    options: {
      ...CONNECTION_OPTIONS,
      auction: { type: 'string' },
      amount: { type: 'string' },
      max: { type: 'string' },
      'client-bid-id': { type: 'string' },
      'deadline-ms': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const auctionId = required('auction', values.auction);
  const amount = required('amount', decimal('amount', values.amount));
  const max = decimal('max', values.max);
  const deadlineMs = integer('deadline-ms', values['deadline-ms']) ?? 10_000;
  const { client, connect, url } = createClient(values);
  try {
    await connect();
    // An unknown auction fails the watch with the server's Error (exit 1, printed by bidtape.ts).
    const auction = await auctionState(client, auctionId, url, deadlineMs);
    const amountMinor = inCurrency('amount', amount, auction);
    if (max !== undefined) inCurrency('max', max, auction);
    const result = await client.placeBid(
      {
        auctionId, amount, priceScale: auction.priceScale,
        ...(max === undefined ? {} : { maxAmount: max }), ...(values['client-bid-id'] ? { clientBidId: values['client-bid-id'] } : {}),
      },
      { deadlineMs },
    );
    if (values.json) console.log(JSON.stringify(bidOutcomeJson(result, auction, amountMinor)));
    switch (result.status) {
      case 'accepted':
        if (!values.json) console.log(bidOutcomeText(result, auction));
        return EXIT.ok;
      case 'rejected':
        if (!values.json) console.log(bidOutcomeText(result, auction));
        return EXIT.rejected;
      case 'failed':
        console.error(`bidtape: ${bidOutcomeText(result, auction)}`);
        return result.outcomeUnknown ? EXIT.outcomeUnknown : EXIT.error;
    }
  } finally {
    client.close();
  }
}
