import { CodedError } from '../common/coded-error';

/**
 * The market feature's REST error vocabulary (published items have their own:
 * PublishRejectCode). HTTP statuses come from src/http/http-errors.ts; docs/protocol.md
 * lists them.
 */
export enum MarketErrorCode {
  /** No live instrument with that symbol. */
  InstrumentNotFound = 'INSTRUMENT_NOT_FOUND',
  /** An instrument with that symbol is live already. */
  InstrumentExists = 'INSTRUMENT_EXISTS',
  /** A candle query whose `from` is not before its `to`. */
  InvalidRange = 'INVALID_RANGE',
  /** A publish body that is not a PublishRequest (or carries out-of-range numbers). */
  MalformedPublish = 'MALFORMED_PUBLISH',
  /** More items than MAX_PUBLISH_ITEMS in one PublishRequest. */
  TooManyItems = 'TOO_MANY_ITEMS',
  /** The named source is not a live API key with feed:publish for the symbol. */
  InvalidSource = 'INVALID_SOURCE',
}

export class MarketError extends CodedError<MarketErrorCode> {}
