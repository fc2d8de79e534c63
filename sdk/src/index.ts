export { BidtapeClient, BidRejectReason } from './client';
export type { AuctionEvent, BidResult, ClientOptions, ConnectionState, Instrument, Tick, TickUpdate } from './client';
export { formatMinor } from './money';
