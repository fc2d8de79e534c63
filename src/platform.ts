import { NestFactory } from '@nestjs/core';
import { ValidationPipe } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { BiddingService } from './auction/bidding.service';
import type { AppConfig } from './config/app-config';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import type { EmbeddedDatabase } from './database/embedded-postgres';
import { CloseCode } from './gateway/close-codes';
import { ConnectionRegistry } from './gateway/connection-registry.service';
import { guardHandshakes } from './gateway/handshake-timeout';
import { StreamWsAdapter } from './gateway/stream-ws.adapter';
import { guardUpgrades } from './gateway/upgrade-guard';
import { serveWebAssets } from './web/static-assets';
import { PROTOBUF_CONTENT_TYPE } from './gateway/publish.controller';
import { createProcessLogger, PinoNestLogger } from './logging/process-logger';
import { requestLogging } from './logging/request-logging';
import { answerBodyRefusals, FeatureErrorFilter } from './http/http-errors';
import { BODY_LIMIT } from './http/request-errors';
import { serveOpenApi } from './http/openapi';

const CLOSE_GRACE_MS = 2000;
const BID_DRAIN_MS = 5000;

export interface Platform {
  app: INestApplication;
  /** Base HTTP URL the platform listens on, e.g. http://127.0.0.1:3000. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the whole platform: the embedded PostgreSQL when no DATABASE_URL is given, the
 * migrations, the gateway, the simulator and HTTP. Used by main.ts and by the e2e tests.
 */
export async function startPlatform(config: AppConfig): Promise<Platform> {
  const env = config.env;
  let embedded: EmbeddedDatabase | undefined;
  if (!env.DATABASE_URL) {
    embedded = await startEmbeddedPostgres({ dataDir: env.EMBEDDED_PG_DIR, port: env.EMBEDDED_PG_PORT, persistent: true });
  }
  try {
    const logger = createProcessLogger(env.LOG_LEVEL);
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, env.DATABASE_URL ?? embedded!.url), {
      // A failed start throws to the caller (main.ts reports it) instead of exiting from inside Nest.
      abortOnError: false,
      logger: new PinoNestLogger(logger),
    });
    app.use(requestLogging(logger));
    const servesStream = env.CLUSTER_ROLE !== 'feed';
    if (servesStream) serveWebAssets(app);
    // A PublishRequest of MAX_PUBLISH_ITEMS items is larger than the parsers' default 100 KB;
    // binary ones arrive as raw bytes. Forms are parsed as Nest would, with the same limit. What
    // the parsers refuse is answered with a code right after them.
    app.useBodyParser('json', { limit: BODY_LIMIT });
    app.useBodyParser('raw', { type: PROTOBUF_CONTENT_TYPE, limit: BODY_LIMIT });
    app.useBodyParser('urlencoded', { extended: true, limit: BODY_LIMIT });
    app.use(answerBodyRefusals);
    app.useWebSocketAdapter(new StreamWsAdapter(app, config));
    app.useGlobalFilters(new FeatureErrorFilter());
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
    serveOpenApi(app);
    guardHandshakes(app.getHttpServer(), env.HANDSHAKE_TIMEOUT_MS);
    guardUpgrades(app.getHttpServer(), env.DEFLATE_WINDOW_BITS, servesStream);
    await app.listen(env.PORT, env.HOST);
    const address = app.getHttpServer().address() as AddressInfo;
    const host = env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST;
    return {
      app,
      url: `http://${host}:${address.port}`,
      stop: async () => {
        // Drain: no new connections, in-flight bids committed and answered, then ask every
        // client to reconnect elsewhere, then close.
        const connections = servesStream ? app.get(ConnectionRegistry) : undefined;
        if (connections) connections.draining = true;
        await app.get(BiddingService).drain(BID_DRAIN_MS);
        connections?.closeAll(CloseCode.GoingAway, 'server shutting down; reconnect shortly');
        // Give clients a moment to complete the close handshake before sockets are cut.
        const deadline = Date.now() + CLOSE_GRACE_MS;
        while (connections && connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await app.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
