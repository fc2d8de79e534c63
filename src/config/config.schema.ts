import { z } from 'zod';
import { isProxyEntry } from '../gateway/client-address';

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be an integer between ${min} and ${max}` })
    .int({ error: `must be an integer between ${min} and ${max}` })
    .min(min, { error: `must be an integer between ${min} and ${max}` })
    .max(max, { error: `must be an integer between ${min} and ${max}` });

const bool = z
  .enum(['true', 'false', '1', '0'], { error: 'must be one of true, false, 1, 0' })
  .transform((v) => v === 'true' || v === '1');

const symbolList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean));

/**
 * Every environment variable the app reads, with its default. Parsed once at start;
 * a bad value stops the app with the variable's name and what is allowed.
 */
export const envSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  EMBEDDED_PG_DIR: z.string().min(1).default('.data/postgres'),
  EMBEDDED_PG_PORT: int(1, 65535).default(54329),

  DEFAULT_MAX_RATE: int(0, 1000).default(10),
  MAX_RATE: int(1, 1000).default(1000),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: int(1, 10000).default(200),
  MAX_MESSAGE_BYTES: int(64, 16 * 1024 * 1024).default(64 * 1024),

  DEFLATE_ENABLED: bool.default(true),
  DEFLATE_THRESHOLD_BYTES: int(0, 1024 * 1024).default(256),
  DEFLATE_WINDOW_BITS: int(9, 15).default(10),
  DEFLATE_LEVEL: int(0, 9).default(6),
  DEFLATE_MEM_LEVEL: int(1, 9).default(8),

  SLOW_CONSUMER_SOFT_BYTES: int(1024, 1024 * 1024 * 1024).default(1024 * 1024),
  SLOW_CONSUMER_HARD_BYTES: int(1024, 1024 * 1024 * 1024).default(8 * 1024 * 1024),
  SLOW_CONSUMER_GRACE_MS: int(10, 600_000).default(5000),
  SLOW_CONSUMER_RATE: int(1, 1000).default(1),

  HEARTBEAT_INTERVAL_MS: int(100, 600_000).default(15_000),
  HANDSHAKE_TIMEOUT_MS: int(100, 600_000).default(10_000),
  IDLE_TIMEOUT_MS: int(0, 86_400_000).default(300_000),

  INBOUND_MESSAGES_PER_SECOND: int(1, 100_000).default(50),
  INBOUND_BURST: int(1, 100_000).default(100),
  INBOUND_STRIKES_TO_CLOSE: int(1, 100_000).default(100),
  BIDS_PER_SECOND_PER_BIDDER: int(1, 100_000).default(20),
  MAX_CONNECTIONS_PER_ADDRESS: int(1, 1_000_000).default(2000),
  ALLOWED_ORIGINS: z
    .string()
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    // An origin is scheme://host[:port] exactly as browsers send it; "app.example" would never match.
    .refine((list) => list.every((o) => /^https?:\/\/[^/\s]+$/.test(o)), { error: 'must be a comma list of origins like https://app.example.com (scheme and host, no path)' })
    .optional(),

  DB_POOL_SIZE: int(2, 200).default(20),
  BID_BATCH_MAX: int(1, 5000).default(500),
  BID_BATCHES_IN_FLIGHT: int(1, 16).default(1),
  AUCTION_CLOSE_GRACE_MS: int(0, 60_000).default(1000),
  AUCTION_LIFECYCLE_INTERVAL_MS: int(10, 60_000).default(250),
  DEV_BIDDERS_ENABLED: bool.default(true),
  AUTH_JWT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  AUTH_JWT_PUBLIC_KEY: z.string().startsWith('-----BEGIN PUBLIC KEY-----', { error: 'must be a PEM public key (SPKI)' }).optional(),
  AUTH_JWT_ALGORITHM: z.enum(['HS256', 'RS256', 'ES256', 'EdDSA']).optional(),
  AUTH_JWT_ISSUER: z.string().min(1).default('bidtape'),
  AUTH_JWT_AUDIENCE: z.string().min(1).default('bidtape-stream'),
  AUTH_ANONYMOUS_READ: bool.default(true),
  AUTH_EXPIRY_WARNING_MS: int(1000, 3_600_000).default(30_000),
  ADMIN_TOKEN: z.string().min(24, { error: 'must be at least 24 characters' }).optional(),
  MAX_CONNECTIONS_PER_KEY: int(1, 1_000_000).default(100),

  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  CLUSTER_ROLE: z.enum(['all', 'feed', 'gateway'], { error: 'must be one of all, feed, gateway' }).default('all'),
  NODE_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'must be 1-64 of A-Z a-z 0-9 _ . -' }).optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{1,32}$/, { error: 'must be 1-32 of A-Z a-z 0-9 _ . : -' }).default('bidtape'),
  FEED_LEASE_MS: int(500, 60_000).default(3000),
  FEED_STALE_AFTER_MS: int(500, 60_000).default(3000),
  TRUSTED_PROXIES: z
    .string()
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .refine((list) => list.every(isProxyEntry), { error: 'must be a comma list of IP addresses or CIDR ranges' })
    .optional(),

  /** Items (quotes and trades together) one PublishRequest may carry. */
  MAX_PUBLISH_ITEMS: int(1, 100_000).default(1000),
  /** How far a published timestamp may be from the server's clock. */
  PUBLISH_MAX_SKEW_MS: int(0, 86_400_000).default(5000),
  /** How long 1 s and 1 m candles are kept; coarser ones are kept for good. */
  CANDLE_RETENTION_1S_HOURS: int(1, 24 * 365).default(48),
  CANDLE_RETENTION_1M_DAYS: int(1, 3650).default(30),
  /** Share of simulated ticks that also print a trade, in percent. */
  SIM_TRADE_PERCENT: int(0, 100).default(30),

  /** Let connections ask for seeded faults on their own stream (InjectFaults; docs/partners.md). Never in production. */
  FAULTS_ENABLED: bool.default(false),
  /** A recording (docs/recording.md) to replay as the source of its symbols instead of the simulator. */
  REPLAY_FILE: z.string().min(1).optional(),
  /** 1, 10, any multiple of real time, or max (as fast as the server goes). */
  REPLAY_SPEED: z
    .string()
    .refine((s) => s === 'max' || (/^\d+(\.\d+)?$/.test(s) && Number(s) > 0), { error: 'must be a positive number or max' })
    .default('1'),
  REPLAY_LOOP: bool.default(false),
  /** Start the replay at this time of the recording (ISO 8601); earlier items are skipped. */
  REPLAY_FROM: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time like 2026-12-01T10:00:00Z' }).optional(),

  SIM_ENABLED: bool.default(true),
  SIM_SEED: int(0, 2 ** 31 - 1).default(42),
  SIM_TICKS_PER_SECOND: int(1, 100_000).default(200),
  SIM_TIME_ACCELERATION: int(1, 100_000).default(60),
  SIM_SYMBOLS: symbolList.optional(),
  SIM_AUCTIONS: int(0, 1000).default(6),
  SIM_BIDS_PER_SECOND: int(0, 10_000).default(4),
});

export type Env = z.infer<typeof envSchema>;
export type RawEnv = Record<string, string | undefined>;
