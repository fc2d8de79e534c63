import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { Observable } from 'rxjs';
import type WebSocket from 'ws';
import type { ServerOptions } from 'ws';
import type { AppConfig } from '../config/app-config';
import { AuthErrorCode } from '../auth/auth-errors';
import { AuthService } from '../auth/auth.service';
import { authStatus, handshakeStatus } from '../http/http-errors';
import { KeyConnectionCount } from '../limits/shared-limits';
import { clientAddress, trustedProxies } from './client-address';
import type { TrustedProxies } from './client-address';
import { ConnectionRegistry } from './connection-registry.service';
import { HandshakeContexts } from './handshake-context';
import { HandshakeRefusal } from './handshake-refusals';
import { StreamStats } from './stream-stats';
import { decodeClientMessage } from './wire/client-decoder';
import { checkWsInternals } from './wire/ws-internals';
import { chooseSubprotocol, encodingOf, parseProtocolHeader, SUBPROTOCOL_JSON, SUBPROTOCOL_PROTO } from './wire/subprotocol';

/** A refused handshake: the gateway's own reason or the auth feature's; the status comes from http-errors. */
type Refused = { refusal: HandshakeRefusal; reason: string } | { auth: AuthErrorCode; reason: string };

/** Handler name the adapter dispatches frames to when they cannot be decoded. */
export const INVALID_MESSAGE = 'invalid';

/**
 * The `ws` adapter configured for the bidtape protocol: subprotocol negotiation (refusing
 * handshakes that offer neither), bounded permessage-deflate, the message size limit, and
 * protobuf/JSON decoding of every inbound frame into a `@SubscribeMessage` handler named
 * after the ClientMessage `kind` (`subscribe`, `unsubscribe`, `ping`).
 */
export class StreamWsAdapter extends WsAdapter {
  private readonly log = new Logger(StreamWsAdapter.name);
  private readonly isTrustedProxy: TrustedProxies;

  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
    this.isTrustedProxy = trustedProxies(config.env.TRUSTED_PROXIES ?? []);
  }

  override create(port: number, options: Record<string, unknown> & ServerOptions = {}): WebSocket.Server {
    checkWsInternals();
    const env = this.config.env;
    const server: WebSocket.Server = super.create(port, Object.assign({}, options, {
      maxPayload: env.MAX_MESSAGE_BYTES,
      perMessageDeflate: env.DEFLATE_ENABLED
        ? {
            // No context takeover in either direction: memory per connection stays
            // bounded and every server message deflates independently, so one compressed
            // copy serves every connection with the same window.
            serverNoContextTakeover: true,
            clientNoContextTakeover: true,
            serverMaxWindowBits: env.DEFLATE_WINDOW_BITS,
            clientMaxWindowBits: env.DEFLATE_WINDOW_BITS,
            threshold: env.DEFLATE_THRESHOLD_BYTES,
            zlibDeflateOptions: { level: env.DEFLATE_LEVEL, memLevel: env.DEFLATE_MEM_LEVEL },
            zlibInflateOptions: { chunkSize: 16 * 1024 },
          }
        : false,
      handleProtocols: (offered: Set<string>) => chooseSubprotocol(offered) ?? false,
      verifyClient: (info: { req: IncomingMessage; origin?: string }, done: (ok: boolean, code?: number, message?: string) => void) => {
        const refuse = (refusal: Refused) => {
          const status = 'refusal' in refusal ? handshakeStatus(refusal.refusal) : authStatus(refusal.auth);
          this.app.get(StreamStats).handshakesRefused++;
          this.log.log(`handshake refused ${status} from ${info.req.socket.remoteAddress ?? '?'}: ${refusal.reason}`);
          done(false, status, refusal.reason);
        };
        const address = clientAddress(info.req.socket.remoteAddress ?? '', info.req.headers['x-forwarded-for'], this.isTrustedProxy);
        const refusal = this.refusal(info.req, info.origin, address);
        if (refusal) return refuse(refusal);
        // Authenticated before the upgrade, so a bad credential gets a plain HTTP 401.
        const authenticated = async () => {
          const result = await this.app.get(AuthService).authenticate(info.req);
          if (!result.ok) return refuse({ auth: result.code, reason: result.reason });
          const keyId = result.principal.keyId;
          if (keyId && (await this.app.get(KeyConnectionCount).count(keyId)) >= this.config.env.MAX_CONNECTIONS_PER_KEY) {
            return refuse({ refusal: HandshakeRefusal.TooManyForKey, reason: 'Too many connections for this API key' });
          }
          this.app.get(HandshakeContexts).set(info.req, { principal: result.principal, clientAddress: address, acceptedExtensions: '' });
          done(true);
        };
        authenticated().then(
          () => undefined,
          (error: unknown) => {
            this.log.error(`authentication failed: ${(error as Error).message}`);
            refuse({ auth: AuthErrorCode.AuthUnavailable, reason: 'Authentication temporarily unavailable' });
          },
        );
      },
    })) as WebSocket.Server;
    server.on('headers', (headers: string[], request: IncomingMessage) => {
      const extensions = headers.find((h) => h.toLowerCase().startsWith('sec-websocket-extensions:'));
      const context = this.app.get(HandshakeContexts).get(request);
      if (extensions && context) context.acceptedExtensions = extensions.slice(extensions.indexOf(':') + 1).trim();
    });
    return server;
  }

  /** Why a handshake is refused, checked before the upgrade so the client gets an HTTP answer. */
  private refusal(request: IncomingMessage, origin: string | undefined, address: string): Refused | null {
    const registry = this.app.get(ConnectionRegistry);
    if (registry.draining) return { refusal: HandshakeRefusal.Draining, reason: 'Server shutting down; reconnect to another instance' };
    if (!chooseSubprotocol(parseProtocolHeader(request.headers['sec-websocket-protocol']))) {
      return { refusal: HandshakeRefusal.NoSubprotocol, reason: `Offer the Sec-WebSocket-Protocol ${SUBPROTOCOL_PROTO} or ${SUBPROTOCOL_JSON}` };
    }
    const allowed = this.config.env.ALLOWED_ORIGINS;
    // Browsers always send Origin; other clients may not, and are not subject to it.
    if (origin && allowed && allowed.length > 0 && !allowed.includes(origin)) {
      return { refusal: HandshakeRefusal.OriginNotAllowed, reason: `Origin ${origin} is not allowed` };
    }
    if (registry.connectionsFrom(address) >= this.config.env.MAX_CONNECTIONS_PER_ADDRESS) {
      return { refusal: HandshakeRefusal.TooManyFromAddress, reason: `Too many connections from ${address}` };
    }
    return null;
  }

  override bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    _transform: (data: unknown) => Observable<unknown>,
  ): void {
    const byKind = new Map(handlers.map((h) => [h.message as string, h.callback]));
    const encoding = encodingOf(client.protocol);
    if (encoding === undefined) return;
    client.on('message', (data: Buffer, isBinary: boolean) => {
      const decoded = decodeClientMessage(data, isBinary, encoding);
      const [kind, payload] = decoded.ok ? [decoded.message.kind!, decoded.message] : [INVALID_MESSAGE, decoded];
      const handler = byKind.get(kind);
      if (!handler) return;
      // Every handler answers through Connection.send and returns nothing, so there is no result
      // to turn into a reply: Nest's transform (an Observable chain per message, ~3 % of the CPU
      // at 3,000 bids/s) is not used. The handler's own wrapper already catches its errors.
      try {
        Promise.resolve(handler(payload, kind)).catch((error: unknown) => this.log.error(error));
      } catch (error) {
        this.log.error(error);
      }
    });
  }
}
