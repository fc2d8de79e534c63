/** The bidtape TypeScript SDK: one client for live market data, auctions and bids (Node and browsers). */
export { BidtapeClient } from './client';
export type { BidtapeClientOptions, ClientEvents, ClientOptions, ConnectionState, DisconnectEvent } from './client';
export type { GapEvent } from './market-feed';
export type { BidAcceptedResult, BidDecimals, BidFailedResult, BidRejectedResult, BidResult, PlaceBidRequest } from './bids';
export { AuctionWatch, TickSubscription } from './subscriptions';
export type { AuctionEvent, ExtraChannels, SubscribeResult, TickDecimals, TickUpdate } from './subscriptions';
export type { ReconnectOptions } from './backoff';
export { BidtapeError } from './errors';
export type { BidtapeErrorCode } from './errors';
export type { WebSocketConstructor, WebSocketLike } from './transport';
export { formatMinor, parseDecimal } from './money';
export { AuctionStatus, BidKind, BidRejectReason, CandleInterval, Channel, ErrorCode, OutbidReason, pb } from './messages';
export type {
  AuctionClosed, AuctionState, BidUpdate, Candle, CandleHistory, Instrument, InstrumentRetired, Outbid, PublishAck,
  PublishRequestInit, ServerError, ServerMessage, SlowConsumerWarning, Tick, Trade,
} from './messages';
