import { Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../../config/app-config';
import type { bidtape } from '../../generated/bidtape';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry.service';
import { errorReply } from '../stream-errors';
import { SubscriptionService } from '../subscription.service';
import { decodeJsonClientMessage } from '../wire/client-decoder';
import { ErrorCode } from '../wire/messages';
import type { ServerMessageInit } from '../wire/messages';
import { FrameEncoder } from '../wire/outbound';
import { FaultInjector } from './fault-injector';
import { faultSettings } from './fault-plan';

/**
 * Fault injection for partners certifying their clients (FAULTS_ENABLED): a connection arms
 * seeded faults on its own stream by InjectFaults, or on the handshake with `?faults=`.
 */
@Injectable()
export class FaultsService implements OnModuleInit {
  private epochChanges = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly connections: ConnectionRegistry,
    private readonly subscriptions: SubscriptionService,
    private readonly encoder: FrameEncoder,
  ) {}

  onModuleInit(): void {
    this.connections.onClosed((connection) => {
      connection.faults?.dispose();
      connection.faults = null;
    });
  }

  /** Arms the faults a message asks for; the answer to send. */
  arm(connection: Connection, requestId: number, request: bidtape.v1.IInjectFaults): ServerMessageInit {
    if (!this.config.env.FAULTS_ENABLED) {
      return errorReply(requestId, ErrorCode.ERROR_CODE_FORBIDDEN, 'fault injection is off on this server (FAULTS_ENABLED)');
    }
    const settings = faultSettings(request);
    if (typeof settings === 'string') return errorReply(requestId, ErrorCode.ERROR_CODE_INVALID_REQUEST, settings);
    connection.faults?.dispose();
    connection.faults = new FaultInjector(settings, {
      write: (frame) => connection.writeFrame(frame),
      close: (code, reason) => connection.close(code, reason),
      changeEpoch: () => this.changeEpoch(connection),
    });
    return { faultsInjected: { requestId } };
  }

  /** `?faults=<InjectFaults as JSON>` on the handshake: armed before anything is sent; the answer, if any. */
  armFromHandshake(connection: Connection, request: IncomingMessage): ServerMessageInit | null {
    const text = new URL(request.url ?? '/', 'http://localhost').searchParams.get('faults');
    if (text === null) return null;
    const object = jsonObject(text);
    if (!object) return errorReply(0, ErrorCode.ERROR_CODE_INVALID_REQUEST, '?faults= must be an InjectFaults message as JSON');
    // Read as the JSON subprotocol reads an inject_faults frame: the same mapping, the same checks.
    const decoded = decodeJsonClientMessage({ injectFaults: object });
    if (!decoded.ok) return errorReply(0, ErrorCode.ERROR_CODE_INVALID_REQUEST, `?faults=: ${decoded.reason}`);
    return this.arm(connection, 0, decoded.message.injectFaults!);
  }

  /** An unsolicited snapshot under a new epoch, as when the server restarts its numbering. */
  private changeEpoch(connection: Connection): void {
    const message = this.subscriptions.resnapshot(connection);
    if (!message?.snapshot) return;
    const epoch = `fault-epoch-${++this.epochChanges}`;
    for (const symbol of message.snapshot.symbols ?? []) symbol.epoch = epoch;
    connection.send(this.encoder.message(message));
  }
}

/** The JSON object `text` holds (an array is not one), or null. */
function jsonObject(text: string): object | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}
