import { loadConfig } from '../../src/config/app-config';
import type { RawEnv } from '../../src/config/config.schema';
import { MarketDataService } from '../../src/market/market-data.service';
import type { QuoteInput } from '../../src/market/quote';
import { startPlatform } from '../../src/platform';
import type { Platform } from '../../src/platform';

export interface TestPlatform extends Platform {
  wsUrl: string;
  market: MarketDataService;
}

/** The admin credential of every test platform (tests create auctions with it, as an operator would). */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdefgh';

/**
 * The real platform on the test run's PostgreSQL, on a free loopback port, with the
 * simulator off unless a test turns it on: tests publish the quotes they reason about.
 */
export async function startTestPlatform(env: RawEnv = {}): Promise<TestPlatform> {
  const config = loadConfig({
    DATABASE_URL: process.env.DATABASE_URL,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    SIM_ENABLED: 'false',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...env,
  });
  const platform = await startPlatform(config);
  return {
    ...platform,
    wsUrl: `${platform.url.replace('http', 'ws')}/v1/stream`,
    market: platform.app.get(MarketDataService),
  };
}

let price = 10_000;
/** A valid quote for `symbol` with a fresh price each call. */
export function quoteFor(symbol: string): QuoteInput {
  price += 1 + (price % 3);
  return { symbol, bidPrice: price - 2, askPrice: price + 2, bidSize: 5, askSize: 7, lastPrice: price };
}

/** Limits lifted for synthetic load (bidders in tight loops); the limits have their own tests. */
export const UNLIMITED = {
  INBOUND_MESSAGES_PER_SECOND: '100000',
  INBOUND_BURST: '100000',
  BIDS_PER_SECOND_PER_BIDDER: '100000',
  MAX_CONNECTIONS_PER_ADDRESS: '100000',
};
