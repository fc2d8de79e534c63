import './protobuf-numbers';
import { bidtape } from '../../generated/bidtape';

/** Generated protobuf classes of the v1 contract (proto/bidtape/v1). */
export const pb = bidtape.v1;
export const ErrorCode = bidtape.v1.ErrorCode;
export type ErrorCode = bidtape.v1.ErrorCode;
export type ServerMessageInit = bidtape.v1.IServerMessage;
export type ClientMessage = bidtape.v1.ClientMessage;
export type TickInit = bidtape.v1.ITick;

/** protobuf JSON mapping options for the `bidtape.v1.json` subprotocol. */
export const JSON_MAPPING = { longs: String, enums: String, bytes: String, defaults: false } as const;
