import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { OnGatewayConnection, OnGatewayDisconnect } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { nowMicros } from '../market/quote';
import { CloseCode } from './close-codes';
import type { Connection } from './connection';
import { ConnectionRegistry } from './connection-registry.service';
import { StreamStats } from './stream-stats';
import { INVALID_MESSAGE } from './stream-ws.adapter';
import { SubscriptionService } from './subscription.service';
import type { DecodeResult } from './wire/client-decoder';
import type { ClientMessage, ServerMessageInit } from './wire/messages';
import { FrameEncoder } from './wire/outbound';

/** The `/v1/stream` endpoint: decoded client messages in, service calls, encoded replies out. */
@WebSocketGateway({ path: '/v1/stream' })
export class StreamGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(StreamGateway.name);

  constructor(
    private readonly connections: ConnectionRegistry,
    private readonly subscriptions: SubscriptionService,
    private readonly encoder: FrameEncoder,
    private readonly stats: StreamStats,
  ) {}

  handleConnection(ws: WebSocket, request: IncomingMessage): void {
    try {
      this.connections.open(ws, request);
    } catch (error) {
      this.logger.error(`refusing connection: ${(error as Error).message}`);
      ws.close(CloseCode.InternalError, 'internal error');
    }
  }

  handleDisconnect(ws: WebSocket): void {
    this.connections.close(ws);
  }

  @SubscribeMessage('subscribe')
  onSubscribe(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): void {
    this.withConnection(ws, (connection) => {
      const request = message.subscribe!;
      const maxRate = request.maxRate ?? undefined;
      return this.subscriptions.subscribe(connection, message.id, request.symbols ?? [], maxRate);
    });
  }

  @SubscribeMessage('unsubscribe')
  onUnsubscribe(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): void {
    this.withConnection(ws, (connection) => [
      this.subscriptions.unsubscribe(connection, message.id, message.unsubscribe!.symbols ?? []),
    ]);
  }

  @SubscribeMessage('ping')
  onPing(@ConnectedSocket() ws: WebSocket, @MessageBody() message: ClientMessage): void {
    this.withConnection(ws, () => [
      { pong: { requestId: message.id, clientTime: message.ping!.clientTime, serverTimeUs: nowMicros() } },
    ]);
  }

  @SubscribeMessage(INVALID_MESSAGE)
  onInvalid(@ConnectedSocket() ws: WebSocket, @MessageBody() failure: Extract<DecodeResult, { ok: false }>): void {
    this.stats.clientErrors++;
    this.withConnection(ws, () => [{ error: { requestId: failure.requestId, code: failure.code, message: failure.reason } }]);
  }

  private withConnection(ws: WebSocket, handle: (connection: Connection) => ServerMessageInit[]): void {
    const connection = this.connections.get(ws);
    if (!connection) return;
    this.stats.messagesIn++;
    for (const reply of handle(connection)) connection.send(this.encoder.message(reply));
  }
}
