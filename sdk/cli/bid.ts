import { parseArgs } from 'node:util';
import { BidRejectReason } from '../src/index';
import { CONNECTION_HELP, CONNECTION_OPTIONS, createClient, EXIT, integer, required } from './common';
import type { ExitCode } from './common';

export const BID_HELP = `bidtape bid --bidder alice --auction <id> --amount 1050 [--max 3000] [--client-bid-id X]

Places one bid and prints the server's answer as JSON. Amounts are integers in minor units of the
auction's currency (1050 is 10.50 EUR); --max sets a proxy maximum (the platform bids for you up
to it). The answer comes once the bid is committed. If the connection drops first, or the answer
is retryable (rate limited, temporarily unavailable), the same bid is sent again with the same
client bid id until --deadline-ms: it is never recorded twice, and a resend is answered with the
original answer ("duplicate": true). Rerun with the printed clientBidId to learn an outcome.

  --auction <id>         the auction
  --amount <n>           the bid, integer minor units
  --max <n>              proxy maximum, integer minor units
  --client-bid-id <id>   idempotency key, 1-64 printable characters (default: a new UUID)
  --deadline-ms <n>      keep trying this long (default 10000)

Exit code: 0 accepted, 2 rejected, 1 error (no answer before the deadline, no connection...).

${CONNECTION_HELP}`;

export async function bid(args: string[]): Promise<ExitCode> {
  const { values } = parseArgs({
    args,
    options: {
      ...CONNECTION_OPTIONS,
      auction: { type: 'string' },
      amount: { type: 'string' },
      max: { type: 'string' },
      'client-bid-id': { type: 'string' },
      'deadline-ms': { type: 'string' },
    },
  });
  if (values.help) {
    console.log(BID_HELP);
    return EXIT.ok;
  }
  const auctionId = required('auction', values.auction);
  const amount = required('amount', integer('amount', values.amount));
  const maxAmount = integer('max', values.max);
  const deadlineMs = integer('deadline-ms', values['deadline-ms']);
  const client = createClient(values);
  try {
    await client.connect();
    const answer = await client.placeBid(
      { auctionId, amount, ...(maxAmount === undefined ? {} : { maxAmount }), ...(values['client-bid-id'] ? { clientBidId: values['client-bid-id'] } : {}) },
      deadlineMs === undefined ? {} : { deadlineMs },
    );
    const printed = answer.accepted
      ? answer
      : { ...answer, reason: String(BidRejectReason[answer.reason] ?? answer.reason).replace('BID_REJECT_REASON_', '') };
    console.log(JSON.stringify(printed));
    return answer.accepted ? EXIT.ok : EXIT.refused;
  } finally {
    client.close();
  }
}
