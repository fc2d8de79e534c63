import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { API_CREDENTIALS } from '../auth/api-auth';

/**
 * Serves the REST API's OpenAPI document: the UI at /docs, the JSON at /docs/openapi.json. Each
 * operation declares its own credentials and errors (src/auth/api-auth.ts, ./api-errors.ts).
 */
export function serveOpenApi(app: INestApplication): void {
  const builder = new DocumentBuilder()
    .setTitle('bidtape')
    .setDescription(
      'Auctions, instruments and publishing over REST. Live bidding and market data use the WebSocket at /v1/stream (docs/protocol.md). ' +
        'Amounts are integers in minor units. Errors carry a stable `code` (ErrorResponse), except Nest\'s own 400s (ValidationErrorResponse).',
    )
    .setVersion('1');
  for (const [name, scheme] of Object.entries(API_CREDENTIALS)) builder.addSecurity(name, scheme);
  const config = builder.build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs/openapi.json' });
}
