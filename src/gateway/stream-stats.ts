import type { CompressionCounters } from './wire/outbound';

/**
 * Counters of the streaming hot path, kept as plain numbers (an increment per frame must
 * cost nothing) and read by the metrics endpoint when scraped.
 */
export class StreamStats implements CompressionCounters {
  connectionsOpen = 0;
  connectionsTotal = 0;
  messagesIn = 0;
  messagesOut = 0;
  bytesOut = 0;
  /** Updates replaced by a newer state instead of being sent. */
  conflatedUpdates = 0;
  deflateInputBytes = 0;
  deflateOutputBytes = 0;
  clientErrors = 0;
  /** Client messages refused by the inbound rate limit, and connections closed for it. */
  rateLimited = 0;
  rateLimitCloses = 0;
  /** Handshakes refused (bad subprotocol, origin, too many connections from one address). */
  handshakesRefused = 0;
  slowConsumerWarnings = 0;
  slowConsumerRecoveries = 0;
  slowConsumerCloses = 0;
  deadConnectionsReaped = 0;
}
