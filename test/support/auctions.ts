import { Client } from 'pg';
import { TEST_ADMIN_TOKEN } from './platform';
import { pollUntil } from './poll';
import type { StreamClient } from './stream-client';

/** Creates an auction through the REST API; times are relative to now. */
export async function createAuction(
  baseUrl: string,
  body: Partial<{ title: string; startingPrice: number; reservePrice: number; startInMs: number; endInMs: number;
    softCloseWindowSeconds: number; softCloseExtensionSeconds: number; sellerHandle: string; increments: unknown }> = {},
): Promise<{ id: string; [k: string]: unknown }> {
  const now = Date.now();
  const { startInMs = 0, endInMs = 60_000, ...rest } = body;
  // Creating needs a seller credential or the admin's, which may name any seller (docs/security.md).
  const response = await fetch(`${baseUrl}/v1/auctions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    body: JSON.stringify({
      sellerHandle: 'test-seller',
      title: 'Test lot',
      currency: 'EUR',
      startingPrice: 1000,
      softCloseWindowSeconds: 0,
      softCloseExtensionSeconds: 0,
      ...rest,
      startAt: new Date(now + startInMs).toISOString(),
      endAt: new Date(now + endInMs).toISOString(),
    }),
  });
  if (response.status !== 201) throw new Error(`create auction: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string };
}

let bidCounter = 0;
// Jest reuses worker processes across test files, each with a fresh module: a pid is not unique enough.
const RUN = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
/** Places a bid and waits for its answer (accepted or rejected). */
export async function placeBid(
  client: StreamClient,
  auctionId: string,
  amount: number,
  options: { maxAmount?: number; clientBidId?: string } = {},
) {
  const clientBidId = options.clientBidId ?? `bid-${RUN}-${++bidCounter}`;
  const id = client.send({ placeBid: { auctionId, amount, clientBidId, ...(options.maxAmount ? { maxAmount: options.maxAmount } : {}) } });
  const answer = await pollUntil(`the answer to ${clientBidId}`, () =>
    client.received.map((r) => r.message).find((m) =>
      (m.bidAccepted?.requestId === id && m.bidAccepted.clientBidId === clientBidId) ||
      (m.bidRejected?.requestId === id && m.bidRejected.clientBidId === clientBidId)), 10_000, 5);
  return { clientBidId, accepted: answer.bidAccepted ?? null, rejected: answer.bidRejected ?? null };
}

/** Direct SQL against the test database, to check what the code under test wrote. */
export async function withDb<T>(work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}
