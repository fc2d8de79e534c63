import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { OnGatewayConnection, OnGatewayDisconnect } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { AuthService } from '../auth/auth.service';
import { can } from '../auth/principal';
import type { BidOutcome } from '../auction/auction.types';
import { BiddingService } from '../auction/bidding.service';
import { Clock } from '../auction/clock';
import { IngestService } from '../market/ingest.service';
import { Telemetry } from '../metrics/telemetry';
import { nowMicros } from '../market/quote';
import { AuctionFeedService } from './auction-feed.service';
import { bidAnswer } from './auction-messages';
import { CloseCode } from './close-codes';
import { FaultsService } from './faults/faults.service';
import { publishAck, publishItemsOf } from './market-messages';
import type { Connection } from './connection';
import { ConnectionRegistry } from './connection-registry.service';
import { errorReply, streamCodeOfAuth } from './stream-errors';
import { StreamStats } from './stream-stats';
import { INVALID_MESSAGE } from './stream-ws.adapter';
import { SubscriptionService } from './subscription.service';
import { STREAM_PATH } from './upgrade-guard';
import type { DecodeResult } from './wire/client-decoder';
import { ErrorCode } from './wire/messages';
import type { ClientMessage, ServerMessageInit } from './wire/messages';
import { FrameEncoder } from './wire/outbound';

type Refusal = 'RATE_LIMITED' | 'FORBIDDEN';

/**
 * The one answer to a message refused before any service saw it, by message kind: a PlaceBid
 * is always answered by BidAccepted or BidRejected (the protocol's promise), anything else by
 * an Error.
 */
function refusal(message: ClientMessage | null, why: Refusal): ServerMessageInit {
  const requestId = message?.id ?? 0;
  if (message?.placeBid) {
    const reason = why === 'RATE_LIMITED' ? 'RATE_LIMITED' : 'NOT_ALLOWED';
    const outcome = { accepted: false, reason, nextMinimum: 0, retryable: why === 'RATE_LIMITED', duplicate: false } as const;
    return bidAnswer(requestId, message.placeBid.auctionId ?? '', message.placeBid.clientBidId ?? '', outcome);
  }
  return why === 'RATE_LIMITED'
    ? errorReply(requestId, ErrorCode.ERROR_CODE_RATE_LIMITED, 'too many messages; slow down')
    : errorReply(
        requestId,
        ErrorCode.ERROR_CODE_FORBIDDEN,
        message?.publish
          ? 'these credentials do not allow publishing (an API key with feed:publish)'
          : 'these credentials do not allow reading the feed',
      );
}

/** The `/v1/stream` endpoint: decoded client messages in, service calls, encoded replies out. */
@WebSocketGateway({ path: STREAM_PATH })
export class StreamGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(StreamGateway.name);

  constructor(
    private readonly connections: ConnectionRegistry,
    private readonly subscriptions: SubscriptionService,
    private readonly encoder: FrameEncoder,
    private readonly stats: StreamStats,
    private readonly auth: AuthService,
    private readonly bidding: BiddingService,
    private readonly auctionFeed: AuctionFeedService,
    private readonly clock: Clock,
    private readonly ingest: IngestService,
    private readonly faults: FaultsService,
    private readonly telemetry: Telemetry,
  ) {}

  handleConnection(ws: WebSocket, request: IncomingMessage): void {
    try {
      const connection = this.connections.open(ws, request);
      const bidder = connection.principal.bidder;
      if (bidder) this.auctionFeed.registerBidder(connection, bidder.id);
      const faults = this.faults.armFromHandshake(connection, request);
      if (faults) connection.send(this.encoder.message(faults));
    } catch (error) {
      this.logger.error(`refusing connection: ${(error as Error).message}`);
      ws.close(CloseCode.InternalError, 'internal error');
    }
  }

  handleDisconnect(ws: WebSocket): void {
    this.connections.close(ws); // every feature's teardown runs from the registry's closed hook
  }

  @SubscribeMessage('placeBid')
  async onPlaceBid(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): Promise<void> {
    const connection = this.admit(ws, message);
    if (!connection) return;
    const receivedAt = this.clock.now(); // the auction clock decides, never the client's
    const startedAt = performance.now();
    const bid = message.placeBid!;
    const auctionId = bid.auctionId ?? '';
    const clientBidId = bid.clientBidId ?? '';
    const bidder = can(connection.principal, 'bid:write') ? connection.principal.bidder : null;
    const answer = (outcome: BidOutcome) => {
      connection.send(this.encoder.message(bidAnswer(message.id, auctionId, clientBidId, outcome)));
      this.telemetry.bids.inc({ outcome: outcome.accepted ? 'accepted' : 'rejected', reason: outcome.accepted ? '' : outcome.reason });
      this.telemetry.bidAckSeconds.observe((performance.now() - startedAt) / 1000);
    };
    if (!bidder) return answer({ accepted: false, reason: 'NOT_ALLOWED', nextMinimum: 0, retryable: false, duplicate: false });
    // Answered from inside the batch, before its Outbid and BidUpdate messages go out.
    await this.bidding.placeBid(
      bidder,
      {
        auctionId,
        amount: Number(bid.amount ?? 0),
        maxAmount: bid.maxAmount === null || bid.maxAmount === undefined ? null : Number(bid.maxAmount),
        clientBidId,
        receivedAt,
      },
      answer,
    );
  }

  @SubscribeMessage('subscribeAuction')
  async onSubscribeAuction(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): Promise<void> {
    const connection = this.admit(ws, message);
    if (!connection) return;
    if (!can(connection.principal, 'feed:read')) return connection.send(this.encoder.message(refusal(message, 'FORBIDDEN')));
    const request = message.subscribeAuction!;
    const fromSeq = request.fromSeq === null || request.fromSeq === undefined ? null : Number(request.fromSeq);
    await this.auctionFeed.subscribe(connection, message.id, request.auctionId ?? '', fromSeq);
  }

  @SubscribeMessage('unsubscribeAuction')
  onUnsubscribeAuction(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): void {
    const connection = this.admit(ws, message);
    if (!connection) return;
    this.auctionFeed.unsubscribe(connection, message.id, message.unsubscribeAuction!.auctionId ?? '');
  }

  @SubscribeMessage('subscribe')
  onSubscribe(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): void {
    this.withConnection(ws, (connection) => {
      if (!can(connection.principal, 'feed:read')) return [refusal(message, 'FORBIDDEN')];
      return this.subscriptions.subscribe(connection, message.id, message.subscribe!);
    }, message);
  }

  @SubscribeMessage('unsubscribe')
  onUnsubscribe(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): void {
    const request = message.unsubscribe!;
    this.withConnection(ws, (connection) => [
      this.subscriptions.unsubscribe(connection, message.id, request.symbols ?? [], request.channels),
    ], message);
  }

  @SubscribeMessage('injectFaults')
  onInjectFaults(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): void {
    this.withConnection(ws, (connection) => [this.faults.arm(connection, message.id, message.injectFaults!)], message);
  }

  @SubscribeMessage('publish')
  onPublish(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): void {
    this.withConnection(ws, (connection) => {
      const { principal } = connection;
      if (!can(principal, 'feed:publish') || !principal.keyId) return [refusal(message, 'FORBIDDEN')];
      const items = publishItemsOf(message.publish!);
      const problem = this.ingest.requestProblem(items);
      if (problem) return [errorReply(message.id, ErrorCode.ERROR_CODE_INVALID_REQUEST, problem)];
      return [publishAck(message.id, this.ingest.publish({ keyId: principal.keyId, symbols: principal.publishSymbols }, items))];
    }, message);
  }

  @SubscribeMessage('ping')
  onPing(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): void {
    this.withConnection(ws, () => [
      { pong: { requestId: message.id, clientTime: message.ping!.clientTime, serverTimeUs: nowMicros() } },
    ], message);
  }

  @SubscribeMessage('refreshToken')
  async onRefreshToken(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): Promise<void> {
    const connection = this.admit(ws, message);
    if (!connection) return;
    const result = await this.auth.refresh(connection.principal, message.refreshToken!.token ?? '');
    if (!result.ok) {
      connection.send(this.encoder.message(errorReply(message.id, streamCodeOfAuth(result.code), result.reason)));
      return;
    }
    connection.principal = Object.assign({}, connection.principal, { expiresAt: result.expiresAt });
    connection.expiryWarned = false;
    connection.send(this.encoder.message({ tokenRefreshed: { requestId: message.id, expiresTimeUs: (result.expiresAt ?? 0) * 1000 } }));
  }

  @SubscribeMessage(INVALID_MESSAGE)
  onInvalid(@ConnectedSocket() ws: WebSocket, @MessageBody() failure: Extract<DecodeResult, { ok: false }>): void {
    this.stats.clientErrors++;
    this.withConnection(ws, () => [errorReply(failure.requestId, failure.code, failure.reason)], null);
  }

  private withConnection(ws: WebSocket, handle: (connection: Connection) => ServerMessageInit[], message: ClientMessage | null): void {
    const connection = this.admit(ws, message);
    if (!connection) return;
    for (const reply of handle(connection)) connection.send(this.encoder.message(reply));
  }

  /** The connection if this message may be processed; otherwise answers or closes, and returns undefined. */
  private admit(ws: WebSocket, message: ClientMessage | null): Connection | undefined {
    const connection = this.connections.get(ws);
    if (!connection) return undefined;
    this.stats.messagesIn++;
    switch (connection.admitInbound(Date.now())) {
      case 'ok':
        return connection;
      case 'refuse':
        this.stats.rateLimited++;
        connection.send(this.encoder.message(refusal(message, 'RATE_LIMITED')));
        return undefined;
      case 'close':
        this.stats.rateLimitCloses++;
        connection.close(CloseCode.TooManyMessages, 'too many messages');
        return undefined;
    }
  }
}
